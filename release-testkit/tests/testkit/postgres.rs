//! `PrivatePostgres`: a real server of the test's own. Each test starts one (initdb takes a
//! second or two), so they cover several behaviours each.

use std::fs;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;

use release_testkit::{PostgresError, PrivatePostgres};

/// Whether `pid` runs (a zombie has exited).
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, rest) = stat.rsplit_once(')')?;
            Some(!rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// The running processes whose command line names `dir` (the postmaster's `-D`).
fn processes_naming(dir: &Path) -> Vec<u32> {
    let dir = dir.to_string_lossy().into_owned();
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&dir))
        })
        .filter(|&pid| alive(pid))
        .collect()
}

#[test]
fn a_server_answers_with_its_password_and_refuses_a_wrong_one() {
    let db = PrivatePostgres::start().unwrap();

    assert_eq!(db.psql("select 1"), "1");
    assert_eq!(
        db.url(),
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/release?sslmode=disable",
            db.password(),
            db.port()
        )
    );
    // Over TCP, logged in with the password, in the `release` database.
    assert_eq!(
        db.psql_url(
            &db.url(),
            "select current_database() || '|' || current_user"
        )
        .unwrap(),
        "release|postgres"
    );
    assert_eq!(db.psql("select 1, 'a'; "), "1|a");

    let canary = "canary-not-the-password";
    let refused = db
        .psql_url(&db.url_with_password(canary), "select 1")
        .unwrap_err();
    assert!(matches!(
        refused,
        PostgresError::Failed {
            program: "psql",
            ..
        }
    ));
    let message = refused.to_string();
    assert!(
        message.contains("password authentication failed"),
        "{message}"
    );
    assert!(!message.contains(canary), "{message}");
    assert!(!message.contains(db.password()), "{message}");

    let bad_sql = db.try_psql("select * from no_such_table").unwrap_err();
    assert!(bad_sql.to_string().contains("no_such_table"), "{bad_sql}");
}

#[test]
fn stop_and_kill_keep_the_data_for_start_again_and_drop_leaves_nothing() {
    let mut db = PrivatePostgres::start().unwrap();
    let port = db.port();
    let data_dir = db.data_dir();
    db.psql("create table runs (id text primary key); insert into runs values ('stopped')");

    db.stop().unwrap();
    assert!(!db.is_running());
    assert!(db.pids().is_empty());
    assert!(db.try_psql("select 1").is_err());
    assert!(db.psql_url(&db.url(), "select 1").is_err());

    db.start_again().unwrap();
    assert_eq!(db.port(), port);
    assert_eq!(db.psql("select id from runs"), "stopped");

    db.psql("insert into runs values ('killed')");
    let before_kill = db.pids();
    assert!(
        before_kill.len() > 1,
        "a postmaster and its children: {before_kill:?}"
    );
    db.kill().unwrap();
    let left: Vec<u32> = before_kill.into_iter().filter(|&pid| alive(pid)).collect();
    assert!(left.is_empty(), "still running after kill: {left:?}");
    assert!(processes_naming(&data_dir).is_empty());

    // Crash recovery gives back what was committed.
    db.start_again().unwrap();
    assert_eq!(db.port(), port);
    assert_eq!(
        db.psql("select id from runs order by id"),
        "killed\nstopped"
    );
    assert!(
        db.log().contains("database system was interrupted"),
        "{}",
        db.log()
    );

    let running = db.pids();
    assert!(!running.is_empty());
    drop(db);
    let left: Vec<u32> = running.into_iter().filter(|&pid| alive(pid)).collect();
    assert!(left.is_empty(), "still running after drop: {left:?}");
    assert!(processes_naming(&data_dir).is_empty());
    assert!(!data_dir.exists(), "{} is left", data_dir.display());
}

#[test]
fn a_tls_server_takes_only_tls_with_a_certificate_its_authority_signed() {
    let db = PrivatePostgres::start_with_tls().unwrap();
    let ca = db.ca_cert_path().unwrap();
    assert!(
        fs::read_to_string(&ca)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert_eq!(
        db.url(),
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/release?sslmode=verify-full&sslrootcert={}",
            db.password(),
            db.port(),
            ca.display()
        )
    );

    let uses_tls = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";
    assert_eq!(
        db.psql_url(&db.url_with_sslmode("require"), uses_tls)
            .unwrap(),
        "t"
    );
    // The certificate names 127.0.0.1 and chains to the authority.
    assert_eq!(db.psql_url(&db.url(), uses_tls).unwrap(), "t");
    let plain = db
        .psql_url(&db.url_with_sslmode("disable"), "select 1")
        .unwrap_err();
    assert!(plain.to_string().contains("no encryption"), "{plain}");
    // The local socket stays open for the test's own look at the tables.
    assert_eq!(db.psql("select 1"), "1");

    // PostgreSQL refuses a key others may read, owned by someone else than the server's user.
    let key = ca.with_file_name("server.key");
    let key_meta = fs::metadata(&key).unwrap();
    assert_eq!(key_meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(key_meta.uid(), fs::metadata(db.data_dir()).unwrap().uid());
}
