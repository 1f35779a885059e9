//! The facts `release -vV` prints: the commit built, its date, the build date, the target and
//! the enabled features. Without a git checkout (a packaged crate, a source tarball) the commit
//! is `unknown`; the build still succeeds.

use std::path::{Path, PathBuf};
use std::process::Command;

const UNKNOWN: &str = "unknown";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Without these, cargo reruns the script whenever any file of the package changes, and the
    // binary is rebuilt with it.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    // A packaged crate carries `.cargo_vcs_info.json` and may be unpacked inside some other
    // repository (a home directory kept in git): that repository's commit is not ours.
    let packaged = manifest_dir.join(".cargo_vcs_info.json").exists();
    let commit = if packaged {
        None
    } else {
        git(&manifest_dir, &["rev-parse", "HEAD"])
    };
    if commit.is_some() {
        watch_head(&manifest_dir);
    }
    let commit_date = commit
        .as_ref()
        .and_then(|_| git(&manifest_dir, &["log", "-1", "--format=%cs", "HEAD"]));

    let build_seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|elapsed| i64::try_from(elapsed.as_secs()).ok())
        });

    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(name, _)| {
            name.strip_prefix("CARGO_FEATURE_")
                .map(|feature| feature.to_lowercase().replace('_', "-"))
        })
        .filter(|feature| feature != "default")
        .collect();
    features.sort();

    let facts = [
        (
            "RELEASE_COMMIT_HASH",
            commit.unwrap_or_else(|| UNKNOWN.into()),
        ),
        (
            "RELEASE_COMMIT_DATE",
            commit_date.unwrap_or_else(|| UNKNOWN.into()),
        ),
        (
            "RELEASE_BUILD_DATE",
            build_seconds.map_or_else(|| UNKNOWN.into(), date_of),
        ),
        (
            "RELEASE_HOST",
            std::env::var("TARGET").unwrap_or_else(|_| UNKNOWN.into()),
        ),
        (
            "RELEASE_FEATURES",
            if features.is_empty() {
                "none".into()
            } else {
                features.join(",")
            },
        ),
    ];
    for (name, value) in facts {
        println!("cargo:rustc-env={name}={value}");
    }
}

/// One line of git's output, or `None` when git is missing, fails, or says nothing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.trim();
    (output.status.success() && !line.is_empty() && !line.contains('\n')).then(|| line.to_owned())
}

/// Reruns the script when the commit checked out changes: `HEAD` moves on a checkout, the
/// branch's ref on a commit (a packed ref lives in `packed-refs`). Only files that exist are
/// named, since cargo treats a missing one as always changed and would rebuild every time.
fn watch_head(dir: &Path) {
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        let Some(path) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", &name],
        ) else {
            continue;
        };
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// `YYYY-MM-DD` of a Unix time, in UTC (the civil-from-days algorithm of Howard Hinnant's
/// date library), so that the build needs no date crate.
fn date_of(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
