//! Fetching one remote package into a directory: git repositories through the system `git`,
//! archives (tar.gz, tar, zip) over HTTP(S), with go-getter's query arguments (`ref`, `depth`,
//! `archive`, `checksum`) and subdirectory globs (`//*`).

use super::http::{redact, Net};
use super::source::{redact_userinfo, Getter};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use url::Url;

/// No module package comes close to these; they stop a hostile archive from filling the disk.
const DOWNLOAD_LIMIT: usize = 256 << 20;
const EXTRACT_LIMIT: u64 = 1 << 30;
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Archive {
    TarGz,
    Tar,
    Zip,
}

// ---------------------------------------------------------------------------------------- git

/// Clones the repository of a `git::` address (its query: `ref`, `depth`) into `dest`.
pub fn git_clone(raw_url: &str, dest: &Path) -> Result<(), String> {
    let (url, params) = split_query(raw_url);
    let mut reference = None;
    let mut depth = None;
    let mut rest = Vec::new();
    for (k, v) in params {
        match k.as_str() {
            "ref" => reference = Some(v).filter(|v| !v.is_empty()),
            "depth" => {
                depth = Some(v.parse::<u32>().map_err(|_| {
                    format!("depth must be a whole number of commits, not \"{v}\"")
                })?)
            }
            "sshkey" => {
                return Err(
                    "the sshkey argument is not supported; let ssh find the key (ssh-agent or ~/.ssh/config)"
                        .into(),
                )
            }
            _ => rest.push(format!("{k}={v}")),
        }
    }
    let url = if rest.is_empty() {
        url
    } else {
        format!("{url}?{}", rest.join("&"))
    };
    let dest_str = dest.to_string_lossy().to_string();
    let is_commit = reference
        .as_deref()
        .is_some_and(|r| r.len() >= 7 && r.len() <= 40 && r.chars().all(|c| c.is_ascii_hexdigit()));
    match (&reference, depth) {
        // A shallow clone of a commit: fetch exactly that commit.
        (Some(commit), Some(depth)) if is_commit => {
            git(&["init", "--quiet", &dest_str], None)?;
            git(&["remote", "add", "origin", &url], Some(dest))?;
            git(
                &[
                    "fetch",
                    "--quiet",
                    &format!("--depth={depth}"),
                    "origin",
                    commit,
                ],
                Some(dest),
            )?;
            git(&["checkout", "--quiet", "FETCH_HEAD"], Some(dest))?;
        }
        (reference, depth) => {
            let mut args = vec!["clone".to_string(), "--quiet".to_string()];
            if let Some(depth) = depth {
                args.push(format!("--depth={depth}"));
                if let Some(r) = reference {
                    args.push(format!("--branch={r}"));
                }
            }
            args.extend(["--".to_string(), url.clone(), dest_str]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            git(&args, None)?;
            if let (Some(r), None) = (reference, depth) {
                git(&["checkout", "--quiet", r], Some(dest))?;
            }
        }
    }
    if dest.join(".gitmodules").is_file() {
        git(
            &["submodule", "update", "--quiet", "--init", "--recursive"],
            Some(dest),
        )?;
    }
    Ok(())
}

fn git(args: &[&str], dir: Option<&Path>) -> Result<(), String> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.args(["-c", "advice.detachedHead=false"])
        .args(args)
        // Never wait for a password prompt: CI has nobody to answer it.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "git is not installed; git:: module sources need it on the PATH".to_string()
        } else {
            format!("cannot run git: {e}")
        }
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let message: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Err(redact_userinfo(&format!(
        "git {} failed: {}",
        args.first().copied().unwrap_or_default(),
        message.join(" ")
    )))
}

// --------------------------------------------------------------------------------------- http

/// Downloads and unpacks the archive at `raw_url` into `dest`, following go-getter's
/// `X-Terraform-Get` indirection for a URL that is not an archive. `registry` is the host of the
/// registry that named the package: its token goes to package URLs on that same host.
pub fn fetch_http(
    raw_url: &str,
    dest: &Path,
    net: &Net,
    registry: Option<&str>,
) -> Result<(), String> {
    fetch_http_hop(raw_url, dest, net, registry, 0)
}

fn fetch_http_hop(
    raw_url: &str,
    dest: &Path,
    net: &Net,
    registry: Option<&str>,
    hops: usize,
) -> Result<(), String> {
    let mut url = Url::parse(raw_url)
        .map_err(|e| format!("\"{}\" is not a URL: {e}", redact_userinfo(raw_url)))?;
    // go-getter's own arguments are not part of the request.
    let mut archive = None;
    let mut checksum = None;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| match k.as_ref() {
            "archive" => {
                archive = Some(v.to_string());
                None
            }
            "checksum" => {
                checksum = Some(v.to_string());
                None
            }
            _ => Some((k.to_string(), v.to_string())),
        })
        .collect();
    set_query(&mut url, &kept);
    let kind = match archive.as_deref() {
        Some("tar.gz") | Some("tgz") => Some(Archive::TarGz),
        Some("tar") => Some(Archive::Tar),
        Some("zip") => Some(Archive::Zip),
        Some(other) => {
            return Err(format!(
                "archive={other} is not supported; strata unpacks zip, tar.gz and tar"
            ))
        }
        None => archive_of_path(url.path())?,
    };
    let client = net.http()?;
    let bearer = |url: &Url| net.bearer_for_url(registry, url);
    let Some(kind) = kind else {
        // Not an archive: go-getter asks the URL where the package is.
        if hops > 3 {
            return Err("too many X-Terraform-Get redirections".into());
        }
        let mut ask = url.clone();
        ask.query_pairs_mut().append_pair("terraform-get", "1");
        let resp = client.get(&ask, bearer(&ask).as_ref(), 1 << 20)?;
        if !(200..300).contains(&resp.status) {
            return Err(format!("{} answered HTTP {}", redact(&ask), resp.status));
        }
        let next = resp
            .header("x-terraform-get")
            .map(str::to_string)
            .or_else(|| meta_terraform_get(&resp.body))
            .ok_or_else(|| {
                format!(
                    "{} is not an archive (.zip, .tar.gz, .tgz, .tar; or say ?archive=zip) and names no X-Terraform-Get location",
                    redact(&url)
                )
            })?;
        let next = match resp.url.join(&next) {
            Ok(u) if next.starts_with('/') || next.starts_with("./") || next.starts_with("../") => {
                u.to_string()
            }
            _ => next,
        };
        let src = match super::source::ModuleSource::parse(&next) {
            Ok(super::source::ModuleSource::Remote(r)) => r,
            _ => {
                return Err(format!(
                    "{} points at \"{next}\", which is not a package address",
                    redact(&url)
                ))
            }
        };
        if src.subdir.is_some() {
            return Err(format!(
                "{} points at a subdirectory (\"{next}\"); give the subdirectory in the module source instead",
                redact(&url)
            ));
        }
        return match src.getter {
            Getter::Git => git_clone(&src.url, dest),
            Getter::Http => fetch_http_hop(&src.url, dest, net, registry, hops + 1),
        };
    };
    let resp = client.get(&url, bearer(&url).as_ref(), DOWNLOAD_LIMIT)?;
    if !(200..300).contains(&resp.status) {
        return Err(format!("{} answered HTTP {}", redact(&url), resp.status));
    }
    if let Some(checksum) = checksum {
        verify_checksum(&checksum, &resp.body)?;
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    extract(kind, &resp.body, dest).map_err(|e| format!("cannot unpack {}: {e}", redact(&url)))
}

fn set_query(url: &mut Url, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
}

fn archive_of_path(path: &str) -> Result<Option<Archive>, String> {
    let lower = path.to_ascii_lowercase();
    Ok(if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Some(Archive::TarGz)
    } else if lower.ends_with(".zip") {
        Some(Archive::Zip)
    } else if lower.ends_with(".tar") {
        Some(Archive::Tar)
    } else if [
        ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".bz2", ".xz", ".gz",
    ]
    .iter()
    .any(|x| lower.ends_with(x))
    {
        return Err(format!(
            "{path}: strata unpacks zip, tar.gz and tar archives, not this format"
        ));
    } else {
        None
    })
}

/// `<meta name="terraform-get" content="…">` in an HTML answer (go-getter's fallback).
fn meta_terraform_get(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let re = regex::Regex::new(
        r#"(?i)<meta\s+name\s*=\s*["']terraform-get["']\s+content\s*=\s*["']([^"']+)["']"#,
    )
    .ok()?;
    re.captures(text).map(|c| c[1].to_string())
}

fn verify_checksum(spec: &str, body: &[u8]) -> Result<(), String> {
    use sha2::Digest;
    let (kind, want) = spec
        .split_once(':')
        .ok_or_else(|| format!("checksum=\"{spec}\" must be TYPE:HEX, like sha256:…"))?;
    let got = match kind {
        "md5" => hex::encode(md5::Md5::digest(body)),
        "sha1" => hex::encode(sha1::Sha1::digest(body)),
        "sha256" => hex::encode(sha2::Sha256::digest(body)),
        "sha512" => hex::encode(sha2::Sha512::digest(body)),
        other => {
            return Err(format!(
                "checksum type \"{other}\" is not supported (md5, sha1, sha256, sha512)"
            ))
        }
    };
    if !got.eq_ignore_ascii_case(want) {
        return Err(format!(
            "the archive's {kind} checksum is {got}, not {want} as the source says"
        ));
    }
    Ok(())
}

// ----------------------------------------------------------------------------------- archives

/// Counts what an archive writes, so a hostile one stops early.
struct Budget {
    bytes: u64,
    entries: usize,
}

impl Budget {
    fn entry(&mut self) -> Result<(), String> {
        self.entries += 1;
        if self.entries > MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        Ok(())
    }

    fn bytes(&mut self, n: u64) -> Result<(), String> {
        self.bytes += n;
        if self.bytes > EXTRACT_LIMIT {
            return Err(format!("more than {} MiB unpacked", EXTRACT_LIMIT >> 20));
        }
        Ok(())
    }
}

fn extract(kind: Archive, bytes: &[u8], dest: &Path) -> Result<(), String> {
    let mut budget = Budget {
        bytes: 0,
        entries: 0,
    };
    match kind {
        Archive::TarGz => untar(flate2::read::GzDecoder::new(bytes), dest, &mut budget),
        Archive::Tar => untar(bytes, dest, &mut budget),
        Archive::Zip => unzip(bytes, dest, &mut budget),
    }
}

/// A relative path with no `..`, root or prefix: the only names an archive may write.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// A link target that stays inside the package when resolved from the link's directory.
fn link_stays_inside(entry: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth = entry.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

fn untar(reader: impl Read, dest: &Path, budget: &mut Budget) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(false);
    archive.set_overwrite(true);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        budget.entry()?;
        let path = entry.path().map_err(|e| e.to_string())?.to_path_buf();
        let Some(rel) = safe_relative(&path) else {
            return Err(format!(
                "the entry {} leads out of the package",
                path.display()
            ));
        };
        if rel.as_os_str().is_empty() {
            continue;
        }
        use tar::EntryType as T;
        match entry.header().entry_type() {
            T::Regular | T::Continuous | T::GNUSparse | T::Directory => {}
            T::Symlink | T::Link => {
                let target = entry
                    .link_name()
                    .map_err(|e| e.to_string())?
                    .unwrap_or_default()
                    .to_path_buf();
                let inside = if entry.header().entry_type() == T::Link {
                    safe_relative(&target).is_some()
                } else {
                    link_stays_inside(&rel, &target)
                };
                if !inside {
                    return Err(format!(
                        "the link {} points outside the package",
                        path.display()
                    ));
                }
            }
            // Global and extended headers are consumed by the reader itself.
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => continue,
            other => {
                return Err(format!(
                    "the entry {} is a {other:?}, which has no place in a module",
                    path.display()
                ))
            }
        }
        budget.bytes(entry.header().size().unwrap_or(0))?;
        if !entry
            .unpack_in(dest)
            .map_err(|e| format!("{}: {e}", path.display()))?
        {
            return Err(format!(
                "the entry {} leads out of the package",
                path.display()
            ));
        }
    }
    Ok(())
}

fn unzip(bytes: &[u8], dest: &Path, budget: &mut Budget) -> Result<(), String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    for i in 0..archive.len() {
        budget.entry()?;
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        let name = file.name().to_string();
        let rel = file
            .enclosed_name()
            .and_then(|p| safe_relative(&p))
            .ok_or_else(|| format!("the entry {name} leads out of the package"))?;
        let target = dest.join(&rel);
        if file.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| format!("{name}: {e}"))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{name}: {e}"))?;
        }
        if file.is_symlink() {
            let mut link = String::new();
            file.read_to_string(&mut link)
                .map_err(|e| format!("{name}: {e}"))?;
            if !link_stays_inside(&rel, Path::new(&link)) {
                return Err(format!("the link {name} points outside the package"));
            }
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target).map_err(|e| format!("{name}: {e}"))?;
            continue;
        }
        budget.bytes(file.size())?;
        let mut out = std::fs::File::create(&target).map_err(|e| format!("{name}: {e}"))?;
        // `take` holds the archive to its declared size whatever the header claims.
        std::io::copy(&mut (&mut file).take(EXTRACT_LIMIT), &mut out)
            .map_err(|e| format!("{name}: {e}"))?;
        #[cfg(unix)]
        if let Some(mode) = file.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                &target,
                std::fs::Permissions::from_mode(mode & 0o755 | 0o600),
            );
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------ subdirs

/// The subdirectory of an unpacked package a module lives in, with go-getter's globs: each
/// part may hold `*` and `?`, and must then match exactly one entry (`//*` is the one
/// top-level directory of a GitHub tarball).
pub fn resolve_subdir(package: &Path, subdir: &str) -> Result<String, String> {
    let mut dir = package.to_path_buf();
    let mut resolved = Vec::new();
    for part in subdir.split('/').filter(|p| !p.is_empty() && *p != ".") {
        let name = if part.contains(['*', '?']) {
            let mut matches: Vec<String> = std::fs::read_dir(&dir)
                .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n != ".git" && glob_match(part, n))
                .collect();
            matches.sort();
            match matches.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(format!(
                        "the subdirectory \"{subdir}\" matches nothing in the package"
                    ))
                }
                many => {
                    return Err(format!(
                        "the subdirectory \"{subdir}\" matches several paths ({}); name one",
                        many.join(", ")
                    ))
                }
            }
        } else {
            part.to_string()
        };
        dir.push(&name);
        resolved.push(name);
    }
    if !dir.is_dir() {
        return Err(format!(
            "the package has no directory \"{subdir}\"; check the part after // in the source"
        ));
    }
    Ok(resolved.join("/"))
}

fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Classic two-pointer wildcard match with backtracking on the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Copies an installed package (a second call of the same package in one run).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).map_err(|e| e.to_string())?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target).map_err(|e| e.to_string())?;
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn split_query(raw: &str) -> (String, Vec<(String, String)>) {
    match raw.split_once('?') {
        None => (raw.to_string(), Vec::new()),
        Some((base, query)) => (
            base.to_string(),
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_filepath_match() {
        assert!(glob_match("*", "terraform-aws-db-1a2b3c"));
        assert!(glob_match("mod?les", "modules"));
        assert!(glob_match("*-db-*", "acme-db-v1"));
        assert!(!glob_match("*.tf", "main.tfvars"));
    }

    #[test]
    fn archive_links_must_stay_in_the_package() {
        assert!(link_stays_inside(Path::new("a/b"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("a/b"), Path::new("../../c")));
        assert!(!link_stays_inside(Path::new("a"), Path::new("/etc/passwd")));
        assert!(safe_relative(Path::new("../x")).is_none());
        assert!(safe_relative(Path::new("/x")).is_none());
    }

    #[test]
    fn a_tar_entry_leading_out_of_the_package_is_refused() {
        let mut header = tar::Header::new_gnu();
        let body = b"resource {}";
        header.set_size(body.len() as u64);
        header.set_entry_type(tar::EntryType::Regular);
        // `set_path` refuses `..`; write the raw name as a hostile archive would.
        header.as_old_mut().name[..9].copy_from_slice(b"../evil.t");
        header.set_cksum();
        let mut builder = tar::Builder::new(Vec::new());
        builder.append(&header, &body[..]).unwrap();
        let bytes = builder.into_inner().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("pkg");
        std::fs::create_dir(&dest).unwrap();
        let err = extract(Archive::Tar, &bytes, &dest).unwrap_err();
        assert!(err.contains("leads out of the package"), "{err}");
        assert!(!tmp.path().join("evil.t").exists());
    }

    #[test]
    fn checksums_are_verified() {
        let body = b"abc";
        assert!(verify_checksum(
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            body
        )
        .is_ok());
        assert!(verify_checksum("sha256:00", body).is_err());
        assert!(verify_checksum("crc32:00", body).is_err());
    }
}
