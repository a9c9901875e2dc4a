//! Answers looked up once per run and shared by every operation that needs them (a VPC's
//! IPv6 status, wanted by every security group created in it): the first caller looks up,
//! concurrent callers wait for its answer, a failed look-up is tried again by the next.

use crate::provider::ProviderResult;
use crate::value::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct Memo {
    cells: Mutex<BTreeMap<String, Arc<OnceCell<Value>>>>,
}

impl Memo {
    /// The answer for `key`, from `look_up` the first time.
    pub async fn get_or_look_up<F, Fut>(&self, key: String, look_up: F) -> ProviderResult<Value>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ProviderResult<Value>>,
    {
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_try_init(look_up).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ProviderError;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_share_one_look_up_and_a_failure_is_retried() {
        let memo = Memo::default();
        let calls = AtomicUsize::new(0);
        let look = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok(Value::Bool(true))
        };
        let answers =
            futures::future::join_all((0..10).map(|_| memo.get_or_look_up("vpc-1".into(), look)))
                .await;
        assert!(answers
            .iter()
            .all(|a| a.as_ref().ok() == Some(&Value::Bool(true))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let failed = memo
            .get_or_look_up("vpc-2".into(), || async {
                Err(ProviderError::new("throttled"))
            })
            .await;
        assert!(failed.is_err());
        let again = memo
            .get_or_look_up("vpc-2".into(), || async { Ok(Value::Bool(false)) })
            .await;
        assert_eq!(again.unwrap(), Value::Bool(false));
    }
}
