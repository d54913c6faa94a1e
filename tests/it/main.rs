//! The one integration-test binary.

mod roundtrip;
mod support;
