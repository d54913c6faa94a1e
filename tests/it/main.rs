//! The one integration-test binary.

mod grammar;
