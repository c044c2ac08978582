//! Where a SQLite connection's blocking calls run: a thread of the connection's own,
//! in the order they were made.
//!
//! diesel-async's default runs them on tokio's blocking pool and, when a call's future
//! is dropped before it finished (a request whose extractor failed while another was
//! reading, a client that went away), waits for it with `block_in_place`, which
//! panics on the current-thread runtimes actix workers run (found by the fuzz suite:
//! `DELETE /api/v1/staff/null`). Here a dropped call simply finishes on its thread;
//! the connection's next call queues behind it, so a cancelled `BEGIN` still runs
//! before the `ROLLBACK` the lease sends at its next use.

use std::error::Error;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc;

use diesel_async::sync_connection_wrapper::SpawnBlocking;

type Job = Box<dyn FnOnce() + Send>;
type Outcome<R> = Result<R, Box<dyn Error + Send + Sync + 'static>>;

/// One connection's thread; it ends when the connection is dropped.
pub(crate) struct ConnectionThread {
    jobs: mpsc::Sender<Job>,
}

impl SpawnBlocking for ConnectionThread {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> Pin<Box<dyn Future<Output = Outcome<R>> + Send + 'a>>
    where
        R: Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let sent = self.jobs.send(Box::new(move || {
            // Nobody waiting (the call was dropped) is fine: the work is done.
            let _ = answer.send(task());
        }));
        Box::pin(async move {
            sent.map_err(|_| "the SQLite connection's thread has stopped")?;
            answered
                .await
                .map_err(|_| "the SQLite call panicked".into())
        })
    }

    fn get_runtime() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("brigade-sqlite".to_owned())
            .spawn(move || {
                for job in queue {
                    // A panicking call answers an error (its sender is dropped); the
                    // thread stays for the connection's next call.
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            });
        if let Err(e) = spawned {
            // Calls then fail with "thread has stopped": a 503, not a crash.
            tracing::error!(error = %e, "could not start a SQLite connection thread");
        }
        Self { jobs }
    }
}
