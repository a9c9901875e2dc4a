//! A small blocking HTTP(S) client for module installation, on the hyper + rustls stack the AWS
//! SDK already brings (system trust store, so `SSL_CERT_FILE` works). It follows redirects,
//! bounds every request in time and size, and sends a registry token only where it belongs.

use super::cliconfig::{CliConfig, Token};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

const MAX_REDIRECTS: usize = 10;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

pub struct Http {
    rt: tokio::runtime::Runtime,
    client: Client<Https, Empty<Bytes>>,
}

/// What installation needs of the network: the CLI configuration (services, tokens) and a
/// client made on first use (a git-only configuration never loads the trust store).
pub struct Net {
    pub cli: CliConfig,
    http: OnceCell<Http>,
}

impl Net {
    pub fn new(cli: CliConfig) -> Net {
        Net {
            cli,
            http: OnceCell::new(),
        }
    }

    pub fn http(&self) -> Result<&Http, String> {
        if let Some(h) = self.http.get() {
            return Ok(h);
        }
        let h = Http::new()?;
        Ok(self.http.get_or_init(|| h))
    }

    /// The token configured for a registry host, for its API calls.
    pub fn bearer<'a>(&'a self, host: &'a str) -> Option<Bearer<'a>> {
        self.cli.token_for(host).map(|token| Bearer { token, host })
    }

    /// The registry's token for a package URL on the registry's own host (some private
    /// registries serve archives behind the same authentication); none elsewhere.
    pub fn bearer_for_url<'a>(&'a self, host: Option<&'a str>, url: &Url) -> Option<Bearer<'a>> {
        let host = host?;
        let url_host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str()?),
            None => url.host_str()?.to_string(),
        };
        if url_host.eq_ignore_ascii_case(host) {
            self.bearer(host)
        } else {
            None
        }
    }
}

/// A token and the request URLs it may go to.
pub struct Bearer<'a> {
    pub token: &'a Token,
    /// The registry host it was configured for (for messages only).
    pub host: &'a str,
}

pub struct Response {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    /// The URL that answered, after redirects: relative locations resolve against it.
    pub url: Url,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Http {
    pub fn new() -> Result<Http, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        let mut roots = rustls::RootCertStore::empty();
        // Unreadable system certificates are skipped: the ones that load still verify.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
        Ok(Http { rt, client })
    }

    /// GETs `url`, following redirects; the body is read up to `limit` bytes. The token goes
    /// only to the first origin (a redirect elsewhere drops it, as browsers and Go do) and only
    /// over HTTPS or to a loopback address.
    pub fn get(
        &self,
        url: &Url,
        bearer: Option<&Bearer>,
        limit: usize,
    ) -> Result<Response, String> {
        let mut url = url.clone();
        let origin = url.origin();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = http::Request::get(url.as_str())
                .header("User-Agent", concat!("strata/", env!("CARGO_PKG_VERSION")));
            if let Some(b) = bearer.filter(|_| url.origin() == origin) {
                if url.scheme() != "https" && !is_loopback(&url) {
                    return Err(format!(
                        "refusing to send the credentials for {} over plain HTTP to {}: use an https:// URL",
                        b.host,
                        url.host_str().unwrap_or_default()
                    ));
                }
                req = req.header("Authorization", format!("Bearer {}", b.token.0));
            }
            let req = req
                .body(Empty::new())
                .map_err(|e| format!("invalid request URL {url}: {e}"))?;
            let response = self.rt.block_on(async {
                tokio::time::timeout(REQUEST_TIMEOUT, async {
                    let resp = self.client.request(req).await.map_err(|e| chain(&e))?;
                    let (parts, body) = resp.into_parts();
                    if parts.status.is_redirection() {
                        return Ok((parts, Bytes::new()));
                    }
                    let body = Limited::new(body, limit)
                        .collect()
                        .await
                        .map_err(|e| {
                            if e.is::<http_body_util::LengthLimitError>() {
                                format!("the answer is larger than {} MiB", limit >> 20)
                            } else {
                                format!("the answer was cut off: {e}")
                            }
                        })?
                        .to_bytes();
                    Ok::<_, String>((parts, body))
                })
                .await
                .map_err(|_| format!("no complete answer within {}s", REQUEST_TIMEOUT.as_secs()))?
            });
            let (parts, body) = response.map_err(|e| format!("GET {}: {e}", redact(&url)))?;
            if parts.status.is_redirection() {
                if let Some(location) = parts.headers.get("location").and_then(|l| l.to_str().ok())
                {
                    url = url.join(location).map_err(|e| {
                        format!("{} redirects to an invalid URL: {e}", redact(&url))
                    })?;
                    continue;
                }
            }
            return Ok(Response {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
                url,
            });
        }
        Err(format!(
            "{} redirects more than {MAX_REDIRECTS} times",
            redact(&url)
        ))
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A URL for messages: no password, no query (signed URLs carry secrets there).
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    if u.query().is_some() {
        u.set_query(Some("…"));
    }
    u.to_string()
}

/// An error with its causes: hyper's own message alone ("client error (Connect)") says little.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
