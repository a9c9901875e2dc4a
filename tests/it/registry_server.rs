//! A module registry on loopback for the `strata init` tests: Terraform's module registry
//! protocol (service discovery, `versions`, `download`) and the archives it points at, over
//! HTTP or HTTPS, with the modules each test publishes. It records every request (path and
//! `Authorization` header) so tests can see what strata asked and what it sent.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How the registry tells where a version's package is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// `204` with an absolute `X-Terraform-Get` URL of a tar.gz.
    Absolute,
    /// `204` with `X-Terraform-Get: /archive/…` (relative to the download URL).
    Relative,
    /// `200` with OpenTofu's JSON `{"location": …}` naming a zip.
    TofuJson,
    /// A GitHub-style tarball whose files sit in one top-level directory, located with `//*`.
    TopDir,
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
}

struct Published {
    files: Vec<(String, String)>,
    delivery: Delivery,
}

#[derive(Default)]
struct State {
    /// `ns/name` → version → package.
    modules: BTreeMap<String, BTreeMap<String, Published>>,
    requests: Vec<Seen>,
    /// When set, registry API calls without `Bearer TOKEN` answer 401.
    token: Option<String>,
}

pub struct RegistryServer {
    pub port: u16,
    tls: bool,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl RegistryServer {
    pub fn start() -> RegistryServer {
        RegistryServer::serve(None)
    }

    /// Serves HTTPS with this certificate chain and key (PEM).
    pub fn start_tls(cert_pem: &str, key_pem: &str) -> RegistryServer {
        let certs = rustls_pemfile_certs(cert_pem);
        let key = rustls::pki_types::PrivateKeyDer::try_from(pem_body(key_pem, "PRIVATE KEY"))
            .expect("a PKCS#8 key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        RegistryServer::serve(Some(Arc::new(config)))
    }

    fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> RegistryServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let server = RegistryServer {
            port,
            tls: tls.is_some(),
            state: state.clone(),
            stop: stop.clone(),
        };
        let base = server.base();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let state = state.clone();
                let tls = tls.clone();
                let base = base.clone();
                std::thread::spawn(move || {
                    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                    match tls {
                        Some(config) => {
                            let Ok(session) = rustls::ServerConnection::new(config) else {
                                return;
                            };
                            let stream = rustls::StreamOwned::new(session, conn);
                            handle(stream, &state, &base);
                        }
                        None => handle(conn, &state, &base),
                    }
                });
            }
        });
        server
    }

    pub fn base(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT`: the host part of a registry address served by this server.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Publishes `ns/name/aws` at `version` with these files.
    pub fn publish(
        &self,
        ns_name: &str,
        version: &str,
        files: &[(&str, &str)],
        delivery: Delivery,
    ) {
        let mut state = self.state.lock().unwrap();
        state
            .modules
            .entry(ns_name.to_string())
            .or_default()
            .insert(
                version.to_string(),
                Published {
                    files: files
                        .iter()
                        .map(|(p, t)| (p.to_string(), t.to_string()))
                        .collect(),
                    delivery,
                },
            );
    }

    pub fn require_token(&self, token: &str) {
        self.state.lock().unwrap().token = Some(token.to_string());
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The URL of a published version's archive (`ext`: `tar.gz` or `zip`), for a module
    /// source that names an archive directly.
    pub fn archive_url(&self, ns_name: &str, version: &str, ext: &str) -> String {
        format!("{}/archive/{ns_name}/{version}.{ext}", self.base())
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn pem_body(pem: &str, label: &str) -> Vec<u8> {
    use base64::Engine as _;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin).expect("PEM block") + begin.len();
    let stop = pem[start..].find(&end).expect("PEM end") + start;
    let b64: String = pem[start..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn rustls_pemfile_certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    pem.split("-----END CERTIFICATE-----")
        .filter(|part| part.contains("-----BEGIN CERTIFICATE-----"))
        .map(|part| {
            let block = format!("{part}-----END CERTIFICATE-----");
            rustls::pki_types::CertificateDer::from(pem_body(&block, "CERTIFICATE"))
        })
        .collect()
}

fn handle<S: Read + Write>(stream: S, state: &Mutex<State>, base: &str) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
        }
    }
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let (status, headers, body) = respond(&target, authorization.clone(), state, base);
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let stream = reader.get_mut();
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
}

type Reply = (u16, Vec<(String, String)>, Vec<u8>);

fn json(status: u16, value: serde_json::Value) -> Reply {
    (
        status,
        vec![("Content-Type".into(), "application/json".into())],
        value.to_string().into_bytes(),
    )
}

fn respond(target: &str, authorization: Option<String>, state: &Mutex<State>, base: &str) -> Reply {
    let mut state = state.lock().unwrap();
    let path = target.split('?').next().unwrap_or_default().to_string();
    state.requests.push(Seen {
        path: path.clone(),
        authorization: authorization.clone(),
    });
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let is_api = parts.first() == Some(&"v1") || parts.first() == Some(&".well-known");
    if let (true, Some(token)) = (is_api, &state.token) {
        if authorization.as_deref() != Some(&format!("Bearer {token}")) {
            return json(401, serde_json::json!({"errors": ["unauthorized"]}));
        }
    }
    let not_found = || json(404, serde_json::json!({"errors": ["Not Found"]}));
    match parts.as_slice() {
        [".well-known", "terraform.json"] => {
            json(200, serde_json::json!({"modules.v1": "/v1/modules/"}))
        }
        ["v1", "modules", ns, name, "aws", "versions"] => {
            let Some(versions) = state.modules.get(&format!("{ns}/{name}")) else {
                return not_found();
            };
            let list: Vec<_> = versions
                .keys()
                .map(|v| serde_json::json!({"version": v}))
                .collect();
            json(
                200,
                serde_json::json!({"modules": [{"source": format!("{ns}/{name}/aws"), "versions": list}]}),
            )
        }
        ["v1", "modules", ns, name, "aws", version, "download"] => {
            let key = format!("{ns}/{name}");
            let Some(package) = state.modules.get(&key).and_then(|m| m.get(*version)) else {
                return not_found();
            };
            let archive = format!("/archive/{key}/{version}");
            let header =
                |location: String| (204, vec![("X-Terraform-Get".into(), location)], Vec::new());
            match package.delivery {
                Delivery::Absolute => header(format!("{base}{archive}.tar.gz")),
                Delivery::Relative => header(format!("{archive}.tar.gz")),
                Delivery::TopDir => header(format!("{archive}-top.tar.gz//*")),
                Delivery::TofuJson => json(
                    200,
                    serde_json::json!({"location": format!("{base}{archive}.zip")}),
                ),
            }
        }
        ["archive", ns, name, file] => {
            let key = format!("{ns}/{name}");
            let (version, kind) = if let Some(v) = file.strip_suffix("-top.tar.gz") {
                (v, "top")
            } else if let Some(v) = file.strip_suffix(".tar.gz") {
                (v, "tgz")
            } else if let Some(v) = file.strip_suffix(".zip") {
                (v, "zip")
            } else {
                return not_found();
            };
            let Some(package) = state.modules.get(&key).and_then(|m| m.get(version)) else {
                return not_found();
            };
            let body = match kind {
                "zip" => zip_of(&package.files),
                "top" => tar_gz_of(&package.files, &format!("{name}-{version}/")),
                _ => tar_gz_of(&package.files, ""),
            };
            (
                200,
                vec![("Content-Type".into(), "application/octet-stream".into())],
                body,
            )
        }
        _ => not_found(),
    }
}

fn tar_gz_of(files: &[(String, String)], prefix: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{prefix}{path}"), text.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn zip_of(files: &[(String, String)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, text) in files {
        out.start_file(path.as_str(), options).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}
