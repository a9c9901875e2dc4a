//! The run's machinery under every AWS call, whatever the resource type: batched waits
//! (`poller`), client-side rate limits (`ratelimit`), retried attempts AWS may have carried
//! out unseen (`attempts`) and look-ups made once per run (`memo`).

pub mod attempts;
pub mod memo;
pub mod poller;
pub mod ratelimit;
