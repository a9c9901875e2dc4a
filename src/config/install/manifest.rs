//! The record of installed modules, in the format of Terraform's `.terraform/modules/modules.json`
//! (`{"Modules": [{"Key", "Source", "Version", "Dir"}]}`), so either tool can read the other's.
//! strata writes `.strata/modules/modules.json`; without it, Terraform's manifest is read, and
//! the modules a team's `terraform init` installed are used as they are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where strata installs modules, relative to the root module's directory.
pub const MODULES_DIR: &str = ".strata/modules";
const MANIFEST_FILE: &str = "modules.json";

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// The module path: call names joined by dots (`db`, `db.kms`).
    #[serde(rename = "Key")]
    pub key: String,
    /// The source address as Terraform normalizes it.
    #[serde(rename = "Source")]
    pub source: String,
    /// The registry version installed; absent for other sources.
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The module's directory, relative to the root module's directory.
    #[serde(rename = "Dir")]
    pub dir: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    #[serde(rename = "Modules", default)]
    modules: Vec<Record>,
}

/// Which manifest the records came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    None,
    Strata,
    Terraform,
}

/// The installed modules of one root module directory.
#[derive(Clone, Debug)]
pub struct Installed {
    pub root: PathBuf,
    pub origin: Origin,
    /// Keyed by `Record::key`; the root's own record (key "") is left out.
    pub records: BTreeMap<String, Record>,
}

impl Installed {
    pub fn empty(root: &Path) -> Installed {
        Installed {
            root: root.to_path_buf(),
            origin: Origin::None,
            records: BTreeMap::new(),
        }
    }

    /// strata's manifest, else Terraform's (in `TF_DATA_DIR`, default `.terraform`), else none.
    pub fn read(root: &Path) -> Result<Installed, String> {
        let ours = root.join(MODULES_DIR).join(MANIFEST_FILE);
        let data_dir = std::env::var("TF_DATA_DIR")
            .ok()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".terraform".into());
        let terraform = root.join(data_dir).join("modules").join(MANIFEST_FILE);
        for (path, origin) in [(ours, Origin::Strata), (terraform, Origin::Terraform)] {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            };
            let file: File = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{} is not a module manifest ({e}); delete it and run `strata init`",
                    path.display()
                )
            })?;
            let records = file
                .modules
                .into_iter()
                .filter(|r| !r.key.is_empty())
                .map(|r| (r.key.clone(), r))
                .collect();
            return Ok(Installed {
                root: root.to_path_buf(),
                origin,
                records,
            });
        }
        Ok(Installed::empty(root))
    }

    /// The directory a record names, as a path.
    pub fn dir_of(&self, record: &Record) -> PathBuf {
        let dir = Path::new(&record.dir);
        if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            self.root.join(dir)
        }
    }

    /// Replaces `key`'s record; the records of its descendants go too, as they were installed
    /// from the package being replaced.
    pub fn replace(&mut self, record: Record) {
        let prefix = format!("{}.", record.key);
        self.records.retain(|k, _| !k.starts_with(&prefix));
        self.records.insert(record.key.clone(), record);
    }

    /// Writes `.strata/modules/modules.json` atomically, with the root record Terraform keeps.
    pub fn write(&self) -> Result<(), String> {
        let dir = self.root.join(MODULES_DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut modules = vec![Record {
            key: String::new(),
            source: String::new(),
            version: None,
            dir: ".".into(),
        }];
        modules.extend(self.records.values().cloned());
        let text = serde_json::to_string_pretty(&File { modules }).unwrap_or_default();
        let tmp = dir.join(format!(".{MANIFEST_FILE}.{}", std::process::id()));
        let path = dir.join(MANIFEST_FILE);
        std::fs::write(&tmp, text + "\n")
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// `parent.name`, or `name` under the root.
pub fn child_key(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_manifests_are_read_when_strata_has_none() {
        let tmp = tempfile::tempdir().unwrap();
        let tf = tmp.path().join(".terraform/modules");
        std::fs::create_dir_all(&tf).unwrap();
        std::fs::write(
            tf.join("modules.json"),
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"6.6.0","Dir":".terraform/modules/vpc"}]}"#,
        )
        .unwrap();
        let installed = Installed::read(tmp.path()).unwrap();
        assert_eq!(installed.origin, Origin::Terraform);
        assert_eq!(installed.records.len(), 1);
        assert_eq!(installed.records["vpc"].version.as_deref(), Some("6.6.0"));

        let mut ours = Installed::empty(tmp.path());
        ours.replace(installed.records["vpc"].clone());
        ours.write().unwrap();
        let again = Installed::read(tmp.path()).unwrap();
        assert_eq!(again.origin, Origin::Strata);
        assert_eq!(again.records, ours.records);
    }

    #[test]
    fn replacing_a_module_forgets_its_descendants() {
        let mut installed = Installed::empty(Path::new("/x"));
        for key in ["a", "a.b", "a.b.c", "ab"] {
            installed.records.insert(
                key.into(),
                Record {
                    key: key.into(),
                    source: "s".into(),
                    version: None,
                    dir: key.into(),
                },
            );
        }
        installed.replace(Record {
            key: "a".into(),
            source: "t".into(),
            version: None,
            dir: "a".into(),
        });
        let keys: Vec<&str> = installed.records.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a", "ab"]);
    }
}
