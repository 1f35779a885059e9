//! The deployments the platform mock starts with: those of the Railway fixture cases
//! (`fixtures/responses/railway/README.md`), so ids a test reads there hold here too.

/// One deployment of a service's starting history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeedDeployment {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) created_at: String,
    pub(crate) commit: String,
    pub(crate) message: String,
}

/// A service as the fixtures describe it.
pub(crate) struct KnownService {
    pub(crate) name: &'static str,
    pub(crate) healthcheck_path: &'static str,
    pub(crate) healthcheck_timeout: u32,
    /// Newest first: (id, status, createdAt, commit, message).
    pub(crate) history: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )],
}

const RELEASE_140: &str = "4be1c7f0a3d29e6b8c5f1a7d3e9b2c4f6a8d0e1f";
const RELEASE_132: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const RELEASE_131: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

pub(crate) const KNOWN: &[KnownService] = &[
    KnownService {
        name: "web",
        healthcheck_path: "/health",
        healthcheck_timeout: 120,
        history: &[
            (
                "dep-9c41e7a2",
                "SUCCESS",
                "2026-05-12T14:02:11.000Z",
                RELEASE_140,
                "release 1.4.0",
            ),
            (
                "dep-7d18b3f4",
                "REMOVED",
                "2026-05-05T09:30:44.000Z",
                RELEASE_132,
                "release 1.3.2",
            ),
            (
                "dep-2f6a9e0b",
                "REMOVED",
                "2026-04-28T16:12:03.000Z",
                RELEASE_131,
                "release 1.3.1",
            ),
        ],
    },
    KnownService {
        name: "api",
        healthcheck_path: "/ready",
        healthcheck_timeout: 300,
        history: &[
            (
                "dep-5e2b8d13",
                "SUCCESS",
                "2026-05-12T14:05:31.000Z",
                RELEASE_140,
                "release 1.4.0",
            ),
            (
                "dep-3a9f2b71",
                "FAILED",
                "2026-05-12T13:41:08.000Z",
                "d41c9e3b7a2f58061e4d9c3b7a2f58061e4d9c3b",
                "release 1.4.0: migrate sessions table",
            ),
            (
                "dep-48c1d7e6",
                "REMOVED",
                "2026-05-05T09:33:52.000Z",
                RELEASE_132,
                "release 1.3.2",
            ),
            (
                "dep-1e7c5d08",
                "REMOVED",
                "2026-04-28T16:15:27.000Z",
                RELEASE_131,
                "release 1.3.1",
            ),
        ],
    },
    KnownService {
        name: "worker",
        healthcheck_path: "/healthz",
        healthcheck_timeout: 300,
        history: &[
            (
                "dep-a7f06c59",
                "SUCCESS",
                "2026-05-12T14:06:47.000Z",
                RELEASE_140,
                "release 1.4.0",
            ),
            (
                "dep-c3e82d1a",
                "REMOVED",
                "2026-05-05T09:35:10.000Z",
                RELEASE_132,
                "release 1.3.2",
            ),
        ],
    },
];

/// The starting history of service `name`, newest first: the fixtures' for a known one, else
/// a current `SUCCESS` deployment and one `REMOVED` before it.
pub(crate) fn history(name: &str) -> Vec<SeedDeployment> {
    if let Some(known) = KNOWN.iter().find(|known| known.name == name) {
        return known
            .history
            .iter()
            .map(|(id, status, created_at, commit, message)| SeedDeployment {
                id: (*id).to_owned(),
                status: (*status).to_owned(),
                created_at: (*created_at).to_owned(),
                commit: (*commit).to_owned(),
                message: (*message).to_owned(),
            })
            .collect();
    }
    vec![
        SeedDeployment {
            id: format!("dep-{name}-2"),
            status: "SUCCESS".to_owned(),
            created_at: "2026-05-12T14:00:00.000Z".to_owned(),
            commit: RELEASE_140.to_owned(),
            message: "release 1.4.0".to_owned(),
        },
        SeedDeployment {
            id: format!("dep-{name}-1"),
            status: "REMOVED".to_owned(),
            created_at: "2026-05-05T09:30:00.000Z".to_owned(),
            commit: RELEASE_132.to_owned(),
            message: "release 1.3.2".to_owned(),
        },
    ]
}

/// `(healthcheckPath, healthcheckTimeout)` of service `name`.
pub(crate) fn healthcheck(name: &str) -> (&'static str, u32) {
    KNOWN
        .iter()
        .find(|known| known.name == name)
        .map_or(("/health", 300), |known| {
            (known.healthcheck_path, known.healthcheck_timeout)
        })
}
