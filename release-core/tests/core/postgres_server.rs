//! A private PostgreSQL per test (`release_testkit::PrivatePostgres`), stopped and removed with
//! the test.

use release_testkit::PrivatePostgres;

pub(crate) struct Server(PrivatePostgres);

pub(crate) fn server() -> Server {
    Server(PrivatePostgres::start().unwrap_or_else(|e| panic!("{e}")))
}

/// A server that takes only TLS on TCP, its certificate signed by an authority of its own.
pub(crate) fn tls_server() -> Server {
    Server(PrivatePostgres::start_with_tls().unwrap_or_else(|e| panic!("{e}")))
}

impl Server {
    pub(crate) fn password(&self) -> String {
        self.0.password().to_owned()
    }

    pub(crate) fn kit(&mut self) -> &mut PrivatePostgres {
        &mut self.0
    }

    pub(crate) fn database(&self) -> Database<'_> {
        Database(&self.0)
    }
}

pub(crate) struct Database<'a>(&'a PrivatePostgres);

impl Database<'_> {
    pub(crate) fn url(&self) -> String {
        self.0.url()
    }

    /// `psql`'s unaligned rows, each ending in a newline.
    pub(crate) fn psql(&self, sql: &str) -> String {
        let rows = self.0.psql(sql);
        if rows.is_empty() {
            rows
        } else {
            format!("{rows}\n")
        }
    }
}
