//! The one integration-test binary.

mod adversarial;
mod cli;
mod corpus_lint;
mod edit;
mod fix;
mod grammar;
mod properties;
mod readme;
mod roundtrip;
mod rules;
mod scenario;
mod support;
mod watch;
mod writes;
