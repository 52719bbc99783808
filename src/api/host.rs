//! The `Host` check that protects the API from DNS rebinding.
//!
//! Read queries need no token, so a web page that rebinds its own domain to
//! 127.0.0.1 could read person data through the user's browser. The browser
//! still sends the page's domain in `Host`, so the server serves only
//! requests addressed to a loopback name or address, or to a name the
//! operator lists in `allowed_hosts`.

use std::net::Ipv6Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::normalize::quoted;

/// Host names and addresses the server always serves, in canonical form.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Rejections that are all logged. After them only every `LOG_EVERY`th one
/// is, so a page that keeps retrying cannot flood the log.
const LOG_FIRST: u64 = 10;
const LOG_EVERY: u64 = 1_000;

/// The hosts a request may be addressed to, in canonical form: lowercase,
/// without a port, and IPv6 addresses without brackets.
#[derive(Debug)]
pub(super) struct AllowedHosts {
    hosts: Vec<String>,
    rejected: AtomicU64,
}

impl AllowedHosts {
    /// Allows the loopback names and addresses and every `configured` host.
    pub(super) fn new(configured: &[String]) -> AllowedHosts {
        let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        hosts.extend(configured.iter().map(|h| canonical_host(h)));
        AllowedHosts {
            hosts,
            rejected: AtomicU64::new(0),
        }
    }

    /// Returns whether `authority` (a `Host` value or a URI authority, with
    /// or without a port) names an allowed host.
    fn allows(&self, authority: &str) -> bool {
        host_of(authority).is_some_and(|host| self.hosts.contains(&canonical_host(host)))
    }

    /// Logs a rejected host, rate-limited by [`LOG_FIRST`] and [`LOG_EVERY`].
    fn log_rejection(&self, host: &str) {
        let count = self.rejected.fetch_add(1, Ordering::Relaxed) + 1;
        if count <= LOG_FIRST || count.is_multiple_of(LOG_EVERY) {
            tracing::warn!(
                host = %quoted(host),
                rejected_so_far = count,
                "request rejected: host is not loopback and not in allowed_hosts"
            );
        }
    }
}

/// Returns the host part of an authority, brackets kept on an IPv6
/// address, or `None` when it is not a valid `host[:port]`.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let end = rest.find(']')? + 2;
            (&authority[..end], &authority[end..])
        }
        None => match authority.find(':') {
            Some(colon) => (&authority[..colon], &authority[colon..]),
            None => (authority, ""),
        },
    };
    let port_valid = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.parse::<u16>().is_ok() && !digits.starts_with('+'));
    let name_valid = !host.is_empty()
        && (host.starts_with('[')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    (port_valid && name_valid).then_some(host)
}

/// Puts a host name or address in the form [`AllowedHosts`] compares:
/// lowercase, and an IPv6 address in its shortest form without brackets.
pub(crate) fn canonical_host(host: &str) -> String {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<Ipv6Addr>() {
        Ok(address) => address.to_string(),
        Err(_) => bare.to_ascii_lowercase(),
    }
}

/// Rejects a request whose host is not allowed with 421 Misdirected
/// Request. A request without a host, or with more than one `Host` header,
/// gets 400 Bad Request, as RFC 9112 (section 3.2) requires. The host comes
/// from the request URI when it has one (HTTP/2, or an absolute URI),
/// otherwise from the `Host` header.
pub(super) async fn check_host(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host_headers = request.headers().get_all(header::HOST).iter().count();
    if host_headers > 1 {
        let message = "more than one host header".to_string();
        return super::http::error_response(StatusCode::BAD_REQUEST, message);
    }
    let authority = match request.uri().authority() {
        Some(authority) => Some(authority.as_str().to_string()),
        None => request
            .headers()
            .get(header::HOST)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
    };
    match authority {
        Some(host) if allowed.allows(&host) => next.run(request).await,
        Some(host) => {
            allowed.log_rejection(&host);
            let message = format!(
                "host {} is not allowed: use localhost or add the host to allowed_hosts",
                quoted(&host)
            );
            super::http::error_response(StatusCode::MISDIRECTED_REQUEST, message)
        }
        None => {
            let message = "missing host header".to_string();
            super::http::error_response(StatusCode::BAD_REQUEST, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_allowed_and_rejected() {
        let allowed = AllowedHosts::new(&["ciss.example.org".to_string(), "[fd00::5]".to_string()]);
        let cases = [
            ("localhost", true),
            ("localhost:8080", true),
            ("LOCALHOST:8080", true),
            ("127.0.0.1", true),
            ("127.0.0.1:0", true),
            ("[::1]", true),
            ("[::1]:8080", true),
            ("[0:0:0:0:0:0:0:1]:8080", true),
            ("ciss.example.org", true),
            ("CISS.example.org:443", true),
            ("[fd00::5]:8080", true),
            ("evil.example", false),
            ("evil.example:8080", false),
            ("localhost.evil.example", false),
            ("127.0.0.2", false),
            ("::1", false),
            ("user@localhost", false),
            ("localhost:port", false),
            ("localhost:+80", false),
            ("localhost:99999", false),
            ("[::1", false),
            ("[::1]x", false),
            ("", false),
        ];
        for (host, expected) in cases {
            assert_eq!(allowed.allows(host), expected, "{host:?}");
        }
    }
}
