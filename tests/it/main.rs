//! The one integration-test binary.

mod grammar;
mod roundtrip;
mod support;
