//! Which hosts a production URL must not point at.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Host;

/// Where a URL's host lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostClass {
    /// This machine: `localhost`, loopback, the unspecified address.
    Local,
    /// A private network: RFC 1918, link-local, CGNAT, unique-local IPv6, or a name under a
    /// suffix that only resolves inside a network (`.internal`, `.local`, `.lan`, `.home.arpa`).
    Private,
    /// Anything else.
    Public,
}

impl HostClass {
    /// Describes the class for an observation, without naming the host.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            HostClass::Local => "a URL pointing at localhost",
            HostClass::Private => "a URL pointing at a private host",
            HostClass::Public => "a URL with a public host",
        }
    }
}

pub(crate) fn classify(host: &Host<&str>) -> HostClass {
    match host {
        Host::Domain(name) => classify_name(name),
        Host::Ipv4(ip) => classify_ip(IpAddr::V4(*ip)),
        Host::Ipv6(ip) => classify_ip(IpAddr::V6(*ip)),
    }
}

fn classify_name(name: &str) -> HostClass {
    // For schemes the URL standard does not know (`postgres`, `redis`), hosts are opaque: an
    // address arrives here as a name, and must be judged as the address it is.
    let unbracketed = name.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return classify_ip(ip);
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return HostClass::Local;
    }
    const PRIVATE_SUFFIXES: [&str; 5] = [".internal", ".local", ".lan", ".home.arpa", ".intranet"];
    if PRIVATE_SUFFIXES.iter().any(|s| name.ends_with(s)) || !name.contains('.') {
        // A single-label name only resolves through a local search domain.
        return HostClass::Private;
    }
    HostClass::Public
}

fn classify_ip(ip: IpAddr) -> HostClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> HostClass {
    if ip.is_loopback() || ip.is_unspecified() {
        HostClass::Local
    } else if ip.is_private() || ip.is_link_local() || is_shared_v4(ip) {
        HostClass::Private
    } else {
        HostClass::Public
    }
}

/// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
fn is_shared_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    a == 100 && (64..128).contains(&b)
}

fn classify_v6(ip: Ipv6Addr) -> HostClass {
    let first = ip.segments()[0];
    if ip.is_loopback() || ip.is_unspecified() {
        HostClass::Local
    } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
        HostClass::Private
    } else {
        HostClass::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(url: &str) -> Option<HostClass> {
        let parsed = url::Url::parse(url).ok()?;
        parsed.host().map(|h| classify(&h))
    }

    #[test]
    fn classifies_hosts() {
        use HostClass::*;
        for (url, expected) in [
            ("https://localhost:3000", Local),
            ("https://app.localhost", Local),
            ("http://127.0.0.1", Local),
            ("http://127.8.9.1", Local),
            ("http://0.0.0.0", Local),
            ("http://[::1]/", Local),
            ("http://[::ffff:127.0.0.1]/", Local),
            ("http://10.1.2.3", Private),
            ("http://172.20.0.1", Private),
            ("http://192.168.1.1", Private),
            ("http://169.254.169.254", Private),
            ("http://100.100.1.1", Private),
            ("http://[fd00::1]", Private),
            ("http://[fe80::1]", Private),
            ("postgres://postgres.railway.internal:5432/db", Private),
            ("http://printer.local", Private),
            ("http://db", Private),
            ("https://api.example.com", Public),
            ("https://8.8.8.8", Public),
            ("https://172.32.0.1", Public),
            ("https://EXAMPLE.COM.", Public),
            ("postgres://u:p@127.0.0.1:5432/db", Local),
            ("redis://10.0.0.5:6379", Private),
            ("postgres://u:p@[::1]:5432/db", Local),
            ("rediss://[fd12::5]:6379", Private),
            ("postgres://u:p@db.example.com:5432/db", Public),
        ] {
            assert_eq!(class(url), Some(expected), "{url}");
        }
    }
}
