//! Feature flags at run time: the bucketing that `rollout` and `split` share with flagd.

pub mod bucket;
