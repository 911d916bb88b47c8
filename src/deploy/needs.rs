//! What a component needs from the platform, read off its imports and exports: HTTP ingress
//! (it exports `wasi:http/incoming-handler`), message delivery (it exports
//! `wasmcloud:messaging/handler`), and the host interfaces it imports — grouped by package and
//! version, listing exactly the interfaces imported. The WASI 0.2 packages every runtime links
//! (`wasi:cli`, `clocks`, `filesystem`, `io`, `random`, `sockets`, and `wasi:http`'s `types`
//! and `outgoing-handler`) are not listed: platforms provide them without being asked.

/// Packages every WASI 0.2 runtime links, and so no manifest names.
const BUILT_IN: &[&str] = &[
    "wasi:cli",
    "wasi:clocks",
    "wasi:filesystem",
    "wasi:io",
    "wasi:random",
    "wasi:sockets",
];

/// One package a component imports from its host, at one version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostInterface {
    /// `wasi`.
    pub namespace: String,
    /// `keyvalue`.
    pub package: String,
    /// `0.2.0-draft`; `None` for an unversioned import.
    pub version: Option<String>,
    /// The interfaces imported (and, for a message handler, `handler`), sorted.
    pub interfaces: Vec<String>,
}

impl HostInterface {
    /// `wasi:keyvalue`.
    pub fn package_name(&self) -> String {
        format!("{}:{}", self.namespace, self.package)
    }

    /// `wasi:keyvalue/atomics,store@0.2.0-draft`.
    pub fn display(&self) -> String {
        let version = self
            .version
            .as_ref()
            .map(|v| format!("@{v}"))
            .unwrap_or_default();
        format!(
            "{}/{}{version}",
            self.package_name(),
            self.interfaces.join(",")
        )
    }
}

/// What a component needs from the platform that runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// It serves HTTP: the version of the `wasi:http/incoming-handler` it exports.
    pub http: Option<String>,
    /// It handles messages: the version of the `wasmcloud:messaging/handler` it exports.
    pub messages: Option<String>,
    /// The host interfaces it imports (the message handler's package included), sorted by
    /// package and version.
    pub host_interfaces: Vec<HostInterface>,
}

impl Needs {
    /// Reads the needs off the names of a component's imports and exports
    /// (`wasi:keyvalue/store@0.2.0-draft`).
    pub fn of(imports: &[String], exports: &[String]) -> Needs {
        let mut needs = Needs::default();
        for name in imports {
            let Some(parsed) = Parsed::of(name) else {
                continue;
            };
            let package = format!("{}:{}", parsed.namespace, parsed.package);
            let http_built_in =
                package == "wasi:http" && matches!(parsed.interface, "types" | "outgoing-handler");
            if BUILT_IN.contains(&package.as_str()) || http_built_in {
                continue;
            }
            needs.add(&parsed);
        }
        for name in exports {
            let Some(parsed) = Parsed::of(name) else {
                continue;
            };
            match (parsed.namespace, parsed.package, parsed.interface) {
                ("wasi", "http", "incoming-handler") => {
                    needs.http = Some(parsed.version.unwrap_or_default().to_string());
                }
                ("wasmcloud", "messaging", "handler") => {
                    needs.messages = Some(parsed.version.unwrap_or_default().to_string());
                    needs.add(&parsed);
                }
                _ => {}
            }
        }
        needs.host_interfaces.sort_by(|a, b| {
            (&a.namespace, &a.package, &a.version).cmp(&(&b.namespace, &b.package, &b.version))
        });
        needs
    }

    /// The imported host interface of this package, if any.
    pub fn imported(&self, namespace: &str, package: &str) -> Option<&HostInterface> {
        self.host_interfaces
            .iter()
            .find(|h| h.namespace == namespace && h.package == package)
    }

    fn add(&mut self, parsed: &Parsed<'_>) {
        let version = parsed.version.map(str::to_string);
        let entry = match self.host_interfaces.iter_mut().find(|h| {
            h.namespace == parsed.namespace && h.package == parsed.package && h.version == version
        }) {
            Some(entry) => entry,
            None => {
                self.host_interfaces.push(HostInterface {
                    namespace: parsed.namespace.to_string(),
                    package: parsed.package.to_string(),
                    version,
                    interfaces: Vec::new(),
                });
                self.host_interfaces.last_mut().expect("just pushed")
            }
        };
        if !entry.interfaces.iter().any(|i| i == parsed.interface) {
            entry.interfaces.push(parsed.interface.to_string());
            entry.interfaces.sort();
        }
    }
}

/// `ns:pkg/interface@version`, taken apart; `None` for a bare function or instance name.
struct Parsed<'a> {
    namespace: &'a str,
    package: &'a str,
    interface: &'a str,
    version: Option<&'a str>,
}

impl<'a> Parsed<'a> {
    fn of(name: &'a str) -> Option<Parsed<'a>> {
        let (path, version) = match name.split_once('@') {
            Some((p, v)) => (p, Some(v)),
            None => (name, None),
        };
        let (package_path, interface) = path.split_once('/')?;
        let (namespace, package) = package_path.split_once(':')?;
        Some(Parsed {
            namespace,
            package,
            interface,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// A wasmCloud v2.7 host refused to bind wasi:keyvalue when the workload listed `batch`
    /// and the component imported only `store` and `atomics` (issue 13).
    #[test]
    fn host_interfaces_list_exactly_the_imported_interfaces() {
        let imports = names(&[
            "wasi:io/error@0.2.6",
            "wasi:io/streams@0.2.6",
            "wasi:cli/environment@0.2.6",
            "wasi:http/types@0.2.6",
            "wasi:http/outgoing-handler@0.2.6",
            "wasi:keyvalue/store@0.2.0-draft",
            "wasi:keyvalue/atomics@0.2.0-draft",
            "wasi:config/store@0.2.0-rc.1",
            "wasi:logging/logging@0.1.0-draft",
        ]);
        let exports = names(&["wasi:http/incoming-handler@0.2.6"]);
        let needs = Needs::of(&imports, &exports);
        assert_eq!(needs.http.as_deref(), Some("0.2.6"));
        assert_eq!(needs.messages, None);
        let listed: Vec<String> = needs.host_interfaces.iter().map(|h| h.display()).collect();
        assert_eq!(
            listed,
            [
                "wasi:config/store@0.2.0-rc.1",
                "wasi:keyvalue/atomics,store@0.2.0-draft",
                "wasi:logging/logging@0.1.0-draft",
            ]
        );
    }

    #[test]
    fn a_message_handler_lists_its_handler_with_what_it_imports_of_the_package() {
        let imports = names(&[
            "wasmcloud:messaging/types@0.2.0",
            "wasmcloud:messaging/consumer@0.2.0",
            "acme:kv/store",
        ]);
        let exports = names(&["wasmcloud:messaging/handler@0.2.0"]);
        let needs = Needs::of(&imports, &exports);
        assert_eq!(needs.messages.as_deref(), Some("0.2.0"));
        assert_eq!(needs.http, None);
        let listed: Vec<String> = needs.host_interfaces.iter().map(|h| h.display()).collect();
        assert_eq!(
            listed,
            [
                "acme:kv/store",
                "wasmcloud:messaging/consumer,handler,types@0.2.0"
            ]
        );
    }

    #[test]
    fn two_versions_of_a_package_stay_apart() {
        let imports = names(&["wasi:config/store@0.2.0-rc.1", "wasi:config/store@0.2.0"]);
        let needs = Needs::of(&imports, &[]);
        assert_eq!(needs.host_interfaces.len(), 2);
    }
}
