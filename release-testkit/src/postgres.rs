//! A real PostgreSQL server for tests: private, on loopback, thrown away with its data.
//!
//! Debian keeps `initdb` and `postgres` off `PATH` (in `/usr/lib/postgresql/<version>/bin`),
//! and both refuse to run as root, which CI is. As root the server's directory is handed to the
//! `postgres` user and both run as that user through `setpriv`, which changes user and then
//! `exec`s, so the process this kit spawns is the server itself and signals reach it directly
//! (`runuser` would stay in between). The directory lives under `/tmp`, whose parents
//! `postgres` may pass through (a `TMPDIR` under `/root` would not let it). Durability is off
//! (`initdb --no-sync`, `fsync=off`): the data dies with the test.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::hash::BuildHasher as _;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::{Pid, Uid, User};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;

/// The superuser [`PrivatePostgres`] creates.
const SUPERUSER: &str = "postgres";
/// The database [`PrivatePostgres`] creates for the tool's tables.
const DATABASE: &str = "release";
/// How long a server may take to accept connections, or to stop, unless the builder says.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How often readiness and exits are polled.
const POLL: Duration = Duration::from_millis(20);
/// How many free ports are tried when another process takes the chosen one first.
const PORT_ATTEMPTS: usize = 5;
/// How much of the server's log an error quotes.
const LOG_TAIL_LINES: usize = 40;

const CA_CERT: &str = "ca.crt";
const SERVER_CERT: &str = "server.crt";
const SERVER_KEY: &str = "server.key";
const SERVER_LOG: &str = "server.log";

/// A PostgreSQL server of its own for one test, in the style of wiremock's
/// `MockServer::start()`: [`start`](Self::start) creates a cluster in a temporary directory under
/// `/tmp` (superuser `postgres` with a random password, database `release`) and runs the server
/// on `127.0.0.1` on a free port, its unix socket in that directory. TCP connections must log in
/// with the password (`scram-sha-256`), so a wrong password is refused as by a real database;
/// [`psql`](Self::psql) goes through the unix socket, which trusts the local user, so a test can
/// look at the tables whatever it did to the password.
///
/// [`stop`](Self::stop) shuts the server down as an operator would (fast shutdown: clients are
/// disconnected), [`kill`](Self::kill) as a crash would (SIGKILL), and
/// [`start_again`](Self::start_again) restarts it on the same data and port. Dropping it stops
/// the server and removes its files; no process of it is left behind.
///
/// With [`start_with_tls`](Self::start_with_tls) the server only takes TLS connections on TCP,
/// with a certificate for `localhost` and `127.0.0.1` signed by an authority made for it
/// ([`ca_cert_path`](Self::ca_cert_path)).
///
/// Needs PostgreSQL installed (Debian's `postgresql`; `initdb` on `PATH` elsewhere) and, as
/// root, a `postgres` user and `setpriv` (util-linux). Linux only: it reads `/proc` to find the
/// server's processes.
///
/// ```
/// use release_testkit::PrivatePostgres;
///
/// let mut db = PrivatePostgres::start().unwrap();
/// assert!(db.url().starts_with("postgres://postgres:"));
/// assert!(db.url().ends_with("/release?sslmode=disable"));
///
/// db.psql("create table runs (id text primary key); insert into runs values ('r1')");
/// db.stop().unwrap();
/// db.start_again().unwrap();
/// assert_eq!(db.psql("select id from runs"), "r1");
///
/// let refused = db.psql_url(&db.url_with_password("wrong"), "select 1").unwrap_err();
/// assert!(refused.to_string().contains("password authentication failed"));
/// ```
#[derive(Debug)]
pub struct PrivatePostgres {
    /// Dropped after the server is stopped (see `Drop`), taking every file with it.
    dir: TempDir,
    bin: PathBuf,
    /// The `postgres` user the programs run as when this process is root.
    run_as: Option<User>,
    port: u16,
    password: String,
    tls: bool,
    durable: bool,
    timeout: Duration,
    server: Option<Child>,
}

/// Options for a [`PrivatePostgres`]: TLS and how long to wait for the server.
///
/// ```no_run
/// use std::time::Duration;
/// use release_testkit::PrivatePostgres;
///
/// // Starts as `PrivatePostgres::start_with_tls()` does, waiting longer for a slow machine.
/// let db = PrivatePostgres::builder().tls().timeout(Duration::from_secs(60)).start().unwrap();
/// assert!(db.url().contains("sslmode=verify-full"));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PrivatePostgresBuilder {
    tls: bool,
    durable: bool,
    timeout: Duration,
}

/// Why a [`PrivatePostgres`] could not start, stop or answer. The password is never part of
/// the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// No PostgreSQL programs were found.
    #[error(
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin nor on PATH): \
         apt-get install postgresql"
    )]
    NotInstalled,
    /// This process is root and there is no `postgres` user to run the server as.
    #[error("running as root and there is no `postgres` user to run PostgreSQL as")]
    NoPostgresUser,
    /// A file or process operation failed.
    #[error("failed to {action}")]
    Io {
        /// What was being done.
        action: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A PostgreSQL program (`initdb`, `psql`, …) failed.
    #[error("{program} failed ({status}): {output}")]
    Failed {
        /// The program's name.
        program: &'static str,
        /// Its exit status.
        status: ExitStatus,
        /// What it printed on stderr (and stdout), trimmed.
        output: String,
    },
    /// The server exited before it accepted connections.
    #[error("the PostgreSQL server exited while starting ({status}); its log ends:\n{log}")]
    Exited {
        /// Its exit status.
        status: ExitStatus,
        /// The end of its log.
        log: String,
    },
    /// The server did not accept connections, or did not stop, in time.
    #[error("the PostgreSQL server did not {what} within {waited:?}; its log ends:\n{log}")]
    Timeout {
        /// `accept connections` or `stop`.
        what: &'static str,
        /// How long it was given.
        waited: Duration,
        /// The end of its log.
        log: String,
    },
    /// The TLS certificates could not be made.
    #[error("failed to make the TLS certificates: {reason}")]
    Certificate {
        /// What rcgen said.
        reason: String,
    },
}

impl Default for PrivatePostgresBuilder {
    fn default() -> Self {
        PrivatePostgresBuilder {
            tls: false,
            durable: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl PrivatePostgresBuilder {
    /// Only TLS connections on TCP, with a certificate for `localhost` and `127.0.0.1` signed
    /// by an authority made for this server (see [`PrivatePostgres::start_with_tls`]).
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Commits wait for the disk (`fsync` on), as in a real database: for benchmarks. Tests
    /// leave it off; their data dies with them.
    pub fn durable(mut self) -> Self {
        self.durable = true;
        self
    }

    /// How long the server may take to accept connections (at each start) or to stop; 30
    /// seconds unless set.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Creates the cluster and its `release` database and starts the server; returns once it
    /// accepts connections.
    ///
    /// # Errors
    ///
    /// When PostgreSQL is missing, `initdb` fails, or the server does not come up in time (the
    /// error quotes its log).
    pub fn start(self) -> Result<PrivatePostgres, PostgresError> {
        let bin = find_bin()?;
        let dir = tempfile::Builder::new()
            .prefix("release-postgres-")
            .tempdir_in("/tmp")
            .map_err(io_error("create a directory under /tmp for PostgreSQL"))?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name(SUPERUSER)
                .ok()
                .flatten()
                .ok_or(PostgresError::NoPostgresUser)?;
            give_to(dir.path(), &user)?;
            Some(user)
        } else {
            None
        };
        let mut db = PrivatePostgres {
            dir,
            bin,
            run_as,
            port: 0,
            password: random_password(),
            tls: self.tls,
            durable: self.durable,
            timeout: self.timeout,
            server: None,
        };
        db.init_cluster()?;
        if db.tls {
            db.make_certificates()?;
        }
        db.start_on_a_free_port()?;
        db.run_psql("postgres", &format!("create database {DATABASE}"))?;
        Ok(db)
    }
}

impl PrivatePostgres {
    /// Starts a server without TLS; see the type's documentation. Use
    /// [`builder`](Self::builder) for TLS or another timeout.
    ///
    /// # Errors
    ///
    /// As [`PrivatePostgresBuilder::start`].
    pub fn start() -> Result<PrivatePostgres, PostgresError> {
        Self::builder().start()
    }

    /// Starts a server that takes only TLS connections on TCP. Its certificate names
    /// `localhost` and `127.0.0.1` and is signed by an authority whose certificate is at
    /// [`ca_cert_path`](Self::ca_cert_path); [`url`](Self::url) says
    /// `sslmode=verify-full&sslrootcert=<that path>`.
    ///
    /// ```
    /// use release_testkit::PrivatePostgres;
    ///
    /// let db = PrivatePostgres::start_with_tls().unwrap();
    /// assert_eq!(db.psql_url(&db.url_with_sslmode("require"), "select ssl from pg_stat_ssl where pid = pg_backend_pid()").unwrap(), "t");
    /// assert!(db.psql_url(&db.url_with_sslmode("disable"), "select 1").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PrivatePostgresBuilder::start`], and when the certificates cannot be made.
    pub fn start_with_tls() -> Result<PrivatePostgres, PostgresError> {
        Self::builder().tls().start()
    }

    /// Options: TLS, timeout.
    pub fn builder() -> PrivatePostgresBuilder {
        PrivatePostgresBuilder::default()
    }

    /// `postgres://postgres:<password>@127.0.0.1:<port>/release?sslmode=disable`, or with TLS
    /// `…?sslmode=verify-full&sslrootcert=<ca_cert_path>`.
    pub fn url(&self) -> String {
        self.url_with(&self.password, self.default_sslmode())
    }

    /// [`url`](Self::url) with another password, to be refused. It should be URL-safe (no
    /// escaping is done).
    pub fn url_with_password(&self, password: &str) -> String {
        self.url_with(password, self.default_sslmode())
    }

    /// [`url`](Self::url) with another `sslmode` (`disable`, `require`, `verify-ca`,
    /// `verify-full`, …); the `sslrootcert` of a TLS server comes along.
    pub fn url_with_sslmode(&self, sslmode: &str) -> String {
        self.url_with(&self.password, sslmode)
    }

    /// The superuser's password (random hex, URL-safe).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The server's TCP port on `127.0.0.1`; the same across [`start_again`](Self::start_again).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM certificate of the authority that signed a TLS server's certificate; `None`
    /// without TLS.
    pub fn ca_cert_path(&self) -> Option<PathBuf> {
        self.tls.then(|| self.dir.path().join(CA_CERT))
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Everything the server has logged so far, over all its starts.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join(SERVER_LOG)).unwrap_or_default()
    }

    /// Runs `sql` with `psql` in the `release` database over the unix socket and returns its
    /// output: unaligned, tuples only, `|` between columns, one row a line, without the last
    /// newline.
    ///
    /// # Panics
    ///
    /// When `psql` fails (the message has its error): this is for tests. Use
    /// [`try_psql`](Self::try_psql) to get the error.
    pub fn psql(&self, sql: &str) -> String {
        match self.try_psql(sql) {
            Ok(output) => output,
            Err(err) => panic!("psql failed on {sql:?}: {err}"),
        }
    }

    /// [`psql`](Self::psql) returning the error instead of panicking.
    ///
    /// # Errors
    ///
    /// [`PostgresError::Failed`] with `psql`'s message (a server that is down, bad SQL, …).
    pub fn try_psql(&self, sql: &str) -> Result<String, PostgresError> {
        self.run_psql(DATABASE, sql)
    }

    /// Runs `sql` with `psql` over TCP at `url` (e.g. [`url_with_password`](Self::url_with_password)
    /// or [`url_with_sslmode`](Self::url_with_sslmode)); output as [`psql`](Self::psql).
    ///
    /// # Errors
    ///
    /// [`PostgresError::Failed`] with `psql`'s message: a refused password or TLS mode, bad SQL.
    pub fn psql_url(&self, url: &str, sql: &str) -> Result<String, PostgresError> {
        let mut command = Command::new(self.bin.join("psql"));
        command.arg(url);
        psql_output(command, sql)
    }

    /// The server's processes now: the postmaster and its children; empty when it is not
    /// running.
    pub fn pids(&self) -> Vec<u32> {
        let Some(server) = &self.server else {
            return Vec::new();
        };
        let mut pids = with_children(server.id());
        pids.retain(|&pid| is_alive(pid));
        pids
    }

    /// Whether the server was started and has not exited.
    pub fn is_running(&mut self) -> bool {
        self.server
            .as_mut()
            .is_some_and(|server| matches!(server.try_wait(), Ok(None)))
    }

    /// Shuts the server down as `pg_ctl stop -m fast` does (SIGINT: open transactions are rolled
    /// back, clients disconnected) and waits until it has exited, killing it after the timeout.
    /// Does nothing when it is not running.
    ///
    /// # Errors
    ///
    /// When it did not stop in time (it is killed then) or could not be signalled.
    pub fn stop(&mut self) -> Result<(), PostgresError> {
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        let postmaster = server.id();
        // A server that already exited has nothing to signal; its children are gone with it.
        if matches!(server.try_wait(), Ok(Some(_))) {
            return Ok(());
        }
        signal_pid(postmaster, Signal::SIGINT)?;
        let deadline = Instant::now() + self.timeout;
        while Instant::now() < deadline {
            match server.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => thread::sleep(POLL),
                Err(source) => {
                    return Err(PostgresError::Io {
                        action: "wait for the PostgreSQL server".to_owned(),
                        source,
                    });
                }
            }
        }
        self.server = Some(server);
        let log = self.log_tail();
        self.kill()?;
        Err(PostgresError::Timeout {
            what: "stop",
            waited: self.timeout,
            log,
        })
    }

    /// Kills the server and its children with SIGKILL, as a crash would, and waits until they
    /// are gone. The data stays: [`start_again`](Self::start_again) recovers it. Does nothing
    /// when it is not running.
    ///
    /// # Errors
    ///
    /// When a process could not be signalled or did not die in time.
    pub fn kill(&mut self) -> Result<(), PostgresError> {
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        // Each child makes itself a session leader, so no process group holds them all:
        // collect them before their parent dies and they move to init.
        let mut pids = with_children(server.id());
        let _ = server.kill();
        let _ = server.wait();
        pids.retain(|&pid| pid != server.id());
        for &pid in &pids {
            // One may have exited in between, which is what was wanted.
            let _ = signal_pid(pid, Signal::SIGKILL);
        }
        let deadline = Instant::now() + self.timeout;
        while pids.iter().any(|&pid| is_alive(pid)) {
            if Instant::now() >= deadline {
                return Err(PostgresError::Timeout {
                    what: "die after SIGKILL",
                    waited: self.timeout,
                    log: self.log_tail(),
                });
            }
            thread::sleep(POLL);
        }
        Ok(())
    }

    /// Starts the server again on the same data directory and port, after
    /// [`stop`](Self::stop) or [`kill`](Self::kill) (then PostgreSQL recovers the data first).
    /// Does nothing when it is running.
    ///
    /// # Errors
    ///
    /// When the server does not come up in time (for example, another process took the port).
    pub fn start_again(&mut self) -> Result<(), PostgresError> {
        if self.is_running() {
            return Ok(());
        }
        self.server = None;
        self.spawn_server()?;
        self.wait_until_ready()
    }

    fn default_sslmode(&self) -> &'static str {
        if self.tls { "verify-full" } else { "disable" }
    }

    fn url_with(&self, password: &str, sslmode: &str) -> String {
        let mut url = format!(
            "postgres://{SUPERUSER}:{password}@127.0.0.1:{port}/{DATABASE}?sslmode={sslmode}",
            port = self.port
        );
        if let Some(ca) = self.ca_cert_path() {
            let _ = write!(url, "&sslrootcert={}", ca.display());
        }
        url
    }

    /// A command that runs `program` from PostgreSQL's directory as the `postgres` user when
    /// this process is root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(_) => {
                let mut setpriv = Command::new("setpriv");
                setpriv
                    .args([
                        "--reuid=postgres",
                        "--regid=postgres",
                        "--init-groups",
                        "--",
                    ])
                    .arg(program);
                setpriv
            }
            None => Command::new(program),
        };
        // They warn when they cannot return to a directory `postgres` may not read.
        command.current_dir(self.dir.path());
        command
    }

    fn init_cluster(&self) -> Result<(), PostgresError> {
        let pwfile = self.dir.path().join("pwfile");
        self.write_owned(&pwfile, self.password.as_bytes(), 0o600)?;
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", SUPERUSER, "--auth-local=trust"])
            .arg("--auth-host=scram-sha-256")
            .arg(format!("--pwfile={}", pwfile.display()))
            // The C locale: the machine's may not be generated, and initdb fails on one that is
            // not.
            .args(["--no-sync", "--locale=C", "-E", "UTF8"]);
        let output = initdb
            .output()
            .map_err(io_error("run initdb (as root it runs through setpriv)"))?;
        let _ = fs::remove_file(&pwfile);
        check("initdb", &output)?;
        Ok(())
    }

    /// The authority and the server's certificate and key, and `pg_hba.conf` rules that take
    /// TCP connections only over TLS.
    fn make_certificates(&self) -> Result<(), PostgresError> {
        let certificate_error = |err: rcgen::Error| PostgresError::Certificate {
            reason: err.to_string(),
        };
        let ca_key = KeyPair::generate().map_err(certificate_error)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(certificate_error)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "release test kit authority");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).map_err(certificate_error)?;
        let issuer = Issuer::new(ca, ca_key);

        let server_key = KeyPair::generate().map_err(certificate_error)?;
        let mut server =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .map_err(certificate_error)?;
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.use_authority_key_identifier_extension = true;
        let server_cert = server
            .signed_by(&server_key, &issuer)
            .map_err(certificate_error)?;

        let dir = self.dir.path();
        self.write_owned(&dir.join(CA_CERT), ca_cert.pem().as_bytes(), 0o644)?;
        self.write_owned(&dir.join(SERVER_CERT), server_cert.pem().as_bytes(), 0o644)?;
        // PostgreSQL refuses a key others may read.
        self.write_owned(
            &dir.join(SERVER_KEY),
            server_key.serialize_pem().as_bytes(),
            0o600,
        )?;
        let hba = "local all all trust\n\
                   hostssl all all 127.0.0.1/32 scram-sha-256\n\
                   hostssl all all ::1/128 scram-sha-256\n";
        self.write_owned(&self.data_dir().join("pg_hba.conf"), hba.as_bytes(), 0o600)
    }

    /// Writes a file the server (maybe running as `postgres`) can read, with `mode`.
    fn write_owned(&self, path: &Path, contents: &[u8], mode: u32) -> Result<(), PostgresError> {
        let action = || format!("write {}", path.display());
        fs::write(path, contents).map_err(|source| PostgresError::Io {
            action: action(),
            source,
        })?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|source| {
            PostgresError::Io {
                action: action(),
                source,
            }
        })?;
        match &self.run_as {
            Some(user) => give_to(path, user),
            None => Ok(()),
        }
    }

    fn start_on_a_free_port(&mut self) -> Result<(), PostgresError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.port = free_port()?;
            self.spawn_server()?;
            match self.wait_until_ready() {
                // Between choosing the port and the server binding it another process may take
                // it: choose again.
                Err(PostgresError::Exited { log, .. })
                    if attempts < PORT_ATTEMPTS && log.contains("could not bind") =>
                {
                    continue;
                }
                result => return result,
            }
        }
    }

    fn spawn_server(&mut self) -> Result<(), PostgresError> {
        let log_path = self.dir.path().join(SERVER_LOG);
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io_error("open the PostgreSQL server's log"))?;
        let log_err = log
            .try_clone()
            .map_err(io_error("open the PostgreSQL server's log"))?;
        let dir = self.dir.path();
        let mut postgres = self.command("postgres");
        postgres
            .arg("-D")
            .arg(self.data_dir())
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-k"])
            .arg(dir);
        if !self.durable {
            postgres.args(["-c", "fsync=off"]);
        }
        if self.tls {
            postgres
                .args(["-c", "ssl=on", "-c"])
                .arg(format!("ssl_cert_file={}", dir.join(SERVER_CERT).display()))
                .arg("-c")
                .arg(format!("ssl_key_file={}", dir.join(SERVER_KEY).display()));
        }
        let server = postgres
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(io_error("start the PostgreSQL server"))?;
        self.server = Some(server);
        Ok(())
    }

    /// Polls `pg_isready` on the unix socket: the server listens a moment before it accepts
    /// connections ("the database system is starting up"), longer while it recovers.
    fn wait_until_ready(&mut self) -> Result<(), PostgresError> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(server) = self.server.as_mut()
                && let Ok(Some(status)) = server.try_wait()
            {
                self.server = None;
                return Err(PostgresError::Exited {
                    status,
                    log: self.log_tail(),
                });
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .arg("-h")
                .arg(self.dir.path())
                .args([
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    SUPERUSER,
                    "-d",
                    "postgres",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(io_error("run pg_isready"))?;
            if ready.success() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let log = self.log_tail();
                let _ = self.kill();
                return Err(PostgresError::Timeout {
                    what: "accept connections",
                    waited: self.timeout,
                    log,
                });
            }
            thread::sleep(POLL);
        }
    }

    fn run_psql(&self, database: &str, sql: &str) -> Result<String, PostgresError> {
        let mut command = Command::new(self.bin.join("psql"));
        command.arg("-h").arg(self.dir.path()).args([
            "-p",
            &self.port.to_string(),
            "-U",
            SUPERUSER,
            "-d",
            database,
        ]);
        psql_output(command, sql)
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if self.stop().is_err() {
            let _ = self.kill();
        }
    }
}

fn psql_output(mut command: Command, sql: &str) -> Result<String, PostgresError> {
    let output = command
        // No ~/.psqlrc; stop at the first error and exit non-zero.
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdin(Stdio::null())
        .output()
        .map_err(io_error("run psql"))?;
    check("psql", &output)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.trim_end_matches('\n').to_owned())
}

fn check(program: &'static str, output: &Output) -> Result<(), PostgresError> {
    if output.status.success() {
        return Ok(());
    }
    let mut printed = String::from_utf8_lossy(&output.stderr).into_owned();
    printed.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(PostgresError::Failed {
        program,
        status: output.status,
        output: printed.trim().to_owned(),
    })
}

/// The newest installed version's programs: Debian's `/usr/lib/postgresql/<version>/bin`, or
/// the directory of `initdb` on `PATH`.
fn find_bin() -> Result<PathBuf, PostgresError> {
    let debian = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            // By number: as text, 9 sorts after 17.
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin);
    if let Some(bin) = debian {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
        .ok_or(PostgresError::NotInstalled)
}

fn give_to(path: &Path, user: &User) -> Result<(), PostgresError> {
    nix::unistd::chown(path, Some(user.uid), Some(user.gid)).map_err(|errno| PostgresError::Io {
        action: format!("hand {} to the postgres user", path.display()),
        source: io::Error::from(errno),
    })
}

/// A port free on `127.0.0.1` now. The server binds it a moment later; see
/// `start_on_a_free_port` for when someone else was quicker.
fn free_port() -> Result<u16, PostgresError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_error("find a free port on 127.0.0.1"))?;
    let port = listener
        .local_addr()
        .map_err(io_error("find a free port on 127.0.0.1"))?
        .port();
    Ok(port)
}

/// 128 random bits in hex: URL-safe, so it goes into a URL as it is.
fn random_password() -> String {
    let state = RandomState::new();
    format!("{:016x}{:016x}", state.hash_one(1_u8), state.hash_one(2_u8))
}

fn signal_pid(pid: u32, signal: Signal) -> Result<(), PostgresError> {
    let pid = i32::try_from(pid).map_err(|_| PostgresError::Io {
        action: format!("signal process {pid}"),
        source: io::Error::from(io::ErrorKind::InvalidInput),
    })?;
    signal::kill(Pid::from_raw(pid), signal).map_err(|errno| PostgresError::Io {
        action: format!("send {signal} to PostgreSQL process {pid}"),
        source: io::Error::from(errno),
    })
}

/// `parent` and the processes whose parent it is, from `/proc`.
fn with_children(parent: u32) -> Vec<u32> {
    let children = fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| proc_stat(pid).is_some_and(|stat| stat.parent == parent));
    std::iter::once(parent).chain(children).collect()
}

/// Whether `pid` runs: a zombie has exited (its new parent, maybe a container's init that never
/// reaps, only has to collect it).
fn is_alive(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|stat| stat.state != 'Z')
}

struct ProcStat {
    state: char,
    parent: u32,
}

/// `/proc/<pid>/stat`: `pid (comm) state ppid …`, where `comm` may hold spaces and parentheses.
fn proc_stat(pid: u32) -> Option<ProcStat> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some(ProcStat { state, parent })
}

fn io_error(action: &'static str) -> impl Fn(io::Error) -> PostgresError {
    move |source| PostgresError::Io {
        action: action.to_owned(),
        source,
    }
}
