//! The environment lock in PostgreSQL: a session-level advisory lock keyed by plan and
//! environment, held by the store's connection for as long as the rollout runs, so a runner
//! that dies (`kill -9`, a lost VM) frees it with its connection. A row in
//! `release_lock_holders` names the holder for `rollout status` and for the message a second
//! rollout prints; the row alone means nothing (the advisory lock decides, as `pg_locks`
//! shows it), so a dead holder's row is simply overwritten.

use std::sync::Arc;

use jiff::Timestamp;

use super::session::Session;
use crate::log::env_lock::{EnvironmentLock, LockError, LockHolder};

/// The advisory lock key of `plan`'s `environment`: FNV-1a over both names, stable across
/// releases and machines (std's hasher is neither).
pub(super) fn key(plan: &str, environment: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "release environment lock"
        .bytes()
        .chain([0])
        .chain(plan.bytes())
        .chain([0])
        .chain(environment.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Takes the lock, or says who holds it.
pub(super) fn take(
    session: &Arc<Session>,
    plan: &str,
    environment: &str,
    holder: LockHolder,
) -> Result<EnvironmentLock, LockError> {
    let key = key(plan, environment);
    // Claimed before asking the server, so two threads of one process cannot both take it
    // (session advisory locks stack within a session): as two `flock`s of one file in one
    // process, the second is refused.
    if !session.claim(key) {
        return Err(match holder_row(session, plan, environment)? {
            Some(current) => LockError::Held(current),
            None => LockError::Held(holder),
        });
    }
    let taken = take_on_server(session, key, plan, environment, &holder);
    if !matches!(taken, Ok(true)) {
        session.unclaim(key);
    }
    let taken = taken?;
    if !taken {
        // The holder writes its row right after taking the lock: a moment's wait names it.
        for _ in 0..20 {
            if let Some(current) = holder_row(session, plan, environment)? {
                return Err(LockError::Held(current));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        return Err(LockError::Store(Box::new(
            crate::log::store::StoreError::Database {
                location: session.location(),
                action: "take the lock in",
                reason: format!(
                    "another session holds the lock of {plan} {environment} and has not \
                     said who it is"
                ),
            },
        )));
    }
    session.held(key);
    let location = format!("advisory lock {key} in {}", session.location());
    let guard = Held {
        session: session.clone(),
        key,
        plan: plan.to_owned(),
        environment: environment.to_owned(),
        run_id: holder.run_id.clone(),
    };
    Ok(EnvironmentLock::new(
        plan,
        environment,
        holder,
        location,
        guard,
    ))
}

/// `pg_try_advisory_lock`, then the holder row; a lock whose row cannot be written is given
/// back at once, so it is never held by a session nobody can name.
fn take_on_server(
    session: &Arc<Session>,
    key: i64,
    plan: &str,
    environment: &str,
    holder: &LockHolder,
) -> Result<bool, LockError> {
    let (plan_owned, environment_owned, row) =
        (plan.to_owned(), environment.to_owned(), holder.clone());
    session
        .run("take the lock in", move |client| async move {
            let taken: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .await?
                .get(0);
            if taken {
                let written = client
                    .execute(
                        "INSERT INTO release_lock_holders
                             (plan, environment, lock_key, host, pid, run_id, since)
                         VALUES ($1, $2, $3, $4, $5, $6, $7::text::timestamptz)
                         ON CONFLICT (plan, environment) DO UPDATE SET
                             lock_key = excluded.lock_key, host = excluded.host,
                             pid = excluded.pid, run_id = excluded.run_id,
                             since = excluded.since",
                        &[
                            &plan_owned,
                            &environment_owned,
                            &key,
                            &row.host,
                            &i64::from(row.pid),
                            &row.run_id,
                            &row.since.to_string(),
                        ],
                    )
                    .await;
                if let Err(error) = written {
                    let _ = client
                        .execute("SELECT pg_advisory_unlock($1)", &[&key])
                        .await;
                    return Err(error.into());
                }
            }
            Ok(taken)
        })
        .map_err(|e| LockError::Store(Box::new(e)))
}

/// Who holds the lock, when someone does.
pub(super) fn holder(
    session: &Arc<Session>,
    plan: &str,
    environment: &str,
) -> Result<Option<LockHolder>, LockError> {
    holder_row(session, plan, environment)
}

/// The holder row of a lock that is held (as `pg_locks` says); `None` when it is free.
fn holder_row(
    session: &Arc<Session>,
    plan: &str,
    environment: &str,
) -> Result<Option<LockHolder>, LockError> {
    let key = key(plan, environment);
    let bits = u64::from_ne_bytes(key.to_ne_bytes());
    // pg_locks shows a bigint key as two oids: its high and low 32 bits.
    let (high, low) = ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64);
    let (plan, environment) = (plan.to_owned(), environment.to_owned());
    session
        .run("read the lock in", move |client| async move {
            let row = client
                .query_opt(
                    "SELECT h.host, h.pid, h.run_id,
                            (extract(epoch FROM h.since) * 1000000)::bigint
                     FROM release_lock_holders h
                     WHERE h.plan = $1 AND h.environment = $2
                       AND EXISTS (SELECT 1 FROM pg_locks l
                                   WHERE l.locktype = 'advisory' AND l.granted
                                     AND l.objsubid = 1 AND l.database = (
                                         SELECT oid FROM pg_database
                                         WHERE datname = current_database())
                                     AND l.classid::bigint = $3 AND l.objid::bigint = $4)",
                    &[&plan, &environment, &high, &low],
                )
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let since: i64 = row.get(3);
            let pid: i64 = row.get(1);
            Ok(Some(LockHolder {
                host: row.get(0),
                pid: u32::try_from(pid).unwrap_or(0),
                run_id: row.get(2),
                since: Timestamp::from_microsecond(since).unwrap_or(Timestamp::UNIX_EPOCH),
            }))
        })
        .map_err(|e| LockError::Store(Box::new(e)))
}

/// What keeps the lock: dropping it unlocks and removes the holder row (best effort: if the
/// connection is gone, so is the lock).
struct Held {
    session: Arc<Session>,
    key: i64,
    plan: String,
    environment: String,
    run_id: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        let (key, plan, environment, run_id) = (
            self.key,
            self.plan.clone(),
            self.environment.clone(),
            self.run_id.clone(),
        );
        let released = self
            .session
            .run("release the lock in", move |client| async move {
                // Unlocked first: the row is only words, and a failed delete must not leave
                // the lock held by a session that believes it let go.
                let unlocked: bool = client
                    .query_one("SELECT pg_advisory_unlock($1)", &[&key])
                    .await?
                    .get(0);
                let _ = client
                    .execute(
                        "DELETE FROM release_lock_holders
                         WHERE plan = $1 AND environment = $2 AND run_id = $3",
                        &[&plan, &environment, &run_id],
                    )
                    .await;
                Ok(unlocked)
            });
        match released {
            Ok(true) => {}
            Ok(false) => tracing::warn!("the environment lock was no longer held when released"),
            Err(e) => tracing::warn!(
                error = %e,
                "the environment lock could not be released; it is freed when the connection closes"
            ),
        }
        self.session.released(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_stable_and_tells_plans_and_environments_apart() {
        assert_eq!(key("acme", "production"), key("acme", "production"));
        assert_ne!(key("acme", "production"), key("acme", "staging"));
        assert_ne!(key("acme-p", "roduction"), key("acme", "p-roduction"));
        assert_ne!(key("ab", "c"), key("a", "bc"));
    }
}
