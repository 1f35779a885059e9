//! The release store in PostgreSQL: shared by CI runners, so baselines, rollback targets, the
//! freeze and the environment's lock outlive any one machine. The tables are in
//! `docs/postgres-store.md`; why tokio-postgres, one connection and a thread of its own are in
//! `docs/decisions.md` ("The PostgreSQL store").

mod lock;
mod schema;
mod session;
mod store;
mod tls;
mod url;

pub use schema::SCHEMA_VERSION;
pub use store::PostgresStore;
pub use url::{CONNECT_TIMEOUT, PostgresUrl, STATEMENT_TIMEOUT, TlsMode};
