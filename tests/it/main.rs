//! The one integration-test binary.

mod grammar;
mod roundtrip;
mod rules;
mod scenario;
mod support;
