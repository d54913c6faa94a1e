//! The one integration-test binary.

mod corpus_lint;
mod grammar;
mod roundtrip;
mod rules;
mod support;
