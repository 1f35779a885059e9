//! A private PostgreSQL for the store's tests, each test in a database of its own.

use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) struct Server {
    port: u16,
    password: String,
}

pub(crate) fn server() -> Server {
    Server {
        port: 55432,
        password: "devpass".to_owned(),
    }
}

impl Server {
    pub(crate) fn password(&self) -> String {
        self.password.clone()
    }

    pub(crate) fn database(&self) -> Database {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        psql(
            self.port,
            &self.password,
            "postgres",
            &format!("CREATE DATABASE {name}"),
        );
        Database {
            port: self.port,
            password: self.password.clone(),
            name,
        }
    }
}

pub(crate) struct Database {
    port: u16,
    password: String,
    name: String,
}

impl Database {
    pub(crate) fn url(&self) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/{}?sslmode=disable",
            self.password, self.port, self.name
        )
    }

    pub(crate) fn psql(&self, sql: &str) -> String {
        psql(self.port, &self.password, &self.name, sql)
    }
}

fn psql(port: u16, password: &str, database: &str, sql: &str) -> String {
    let out = std::process::Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            database,
        ])
        .args(["-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGPASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
