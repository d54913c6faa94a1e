//! The one integration-test binary.

mod adversarial;
mod grammar;
mod properties;
mod roundtrip;
mod support;
