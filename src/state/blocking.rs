//! A small runtime of the state module's own, so the synchronous `Backend` trait can make AWS
//! calls from plain CLI code and from inside the apply's tokio runtime alike.
//!
//! `run` spawns the future on this runtime and waits for its result on a std channel: it never
//! calls `block_on` on the caller's thread, so it does not panic inside another runtime (it
//! blocks that thread for the call, as the local backend's file writes do).

use std::future::Future;

pub struct Blocking {
    rt: Option<tokio::runtime::Runtime>,
}

impl Blocking {
    pub fn new() -> std::io::Result<Blocking> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("strata-state")
            .enable_all()
            .build()?;
        Ok(Blocking { rt: Some(rt) })
    }

    /// Runs `fut` to completion on this runtime and returns its output.
    pub fn run<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let rt = self
            .rt
            .as_ref()
            .expect("the runtime lives as long as Blocking");
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv()
            .expect("a state storage call panicked; this is a bug")
    }
}

impl Drop for Blocking {
    fn drop(&mut self) {
        // Dropping a runtime from async code panics; shutting it down in the background does not.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_from_sync_code_and_from_inside_another_runtime() {
        let b = std::sync::Arc::new(Blocking::new().unwrap());
        assert_eq!(b.run(async { 1 + 1 }), 2);
        let outer = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let b2 = b.clone();
        let got = outer.block_on(async move {
            tokio::spawn(async move {
                b2.run(async {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    7
                })
            })
            .await
            .unwrap()
        });
        assert_eq!(got, 7);
        // Dropped inside an async task: no panic.
        outer.block_on(async move { drop(b) });
    }
}
