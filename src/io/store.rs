//! Object stores: `--data` as a URL — `s3://bucket/prefix/`, `gs://bucket/…`, `az://container/…`
//! (and `abfss://container@account.dfs.core.windows.net/…`), `https://host/file.parquet` — read
//! through the object_store crate DataFusion itself reads with (`datafusion::object_store`).
//!
//! Settings come from each cloud's standard environment variables (`AWS_*`, `GOOGLE_*`,
//! `AZURE_*`, as object_store names them), then from journey.toml's `[store]`: values that are not
//! secret in `[store.options]`, and for secrets only the *names* of the environment variables that
//! hold them, in `[store.env]`. A secret written into journey.toml itself is refused (J4009):
//! journey.toml is committed to git.
//!
//! Without credentials, object_store would ask the cloud's instance metadata service for them —
//! an address that answers only inside that cloud, and is tried with retries for a minute
//! elsewhere. journey does not, unless journey.toml says `instance_credentials = true`: a run
//! without credentials stops at once with J4009, saying which variables to set.

use super::format::{self, Kind};
use super::listing::{self, DataFile, Listing, Skipped};
use crate::diagnostics::Diagnostic;
use datafusion::object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use datafusion::object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use datafusion::object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use datafusion::object_store::http::HttpBuilder;
use datafusion::object_store::path::Path as ObjectPath;
use datafusion::object_store::{ClientConfigKey, ObjectMeta, ObjectStore, ObjectStoreExt};
use futures::TryStreamExt;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The stores journey reads, by URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    S3,
    Gcs,
    Azure,
    Http,
}

impl Cloud {
    fn of_scheme(scheme: &str) -> Option<Cloud> {
        Some(match scheme {
            "s3" | "s3a" => Cloud::S3,
            "gs" => Cloud::Gcs,
            "az" | "azure" | "abfs" | "abfss" | "adl" => Cloud::Azure,
            "http" | "https" => Cloud::Http,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Cloud::S3 => "S3",
            Cloud::Gcs => "Google Cloud Storage",
            Cloud::Azure => "Azure Blob Storage",
            Cloud::Http => "HTTP",
        }
    }

    /// The prefix of the environment variables object_store reads for this cloud.
    fn env_prefix(self) -> Option<&'static str> {
        match self {
            Cloud::S3 => Some("AWS_"),
            Cloud::Gcs => Some("GOOGLE_"),
            Cloud::Azure => Some("AZURE_"),
            Cloud::Http => None,
        }
    }

    /// What to set, for messages.
    fn credentials_help(self) -> &'static str {
        match self {
            Cloud::S3 => "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION, and AWS_ENDPOINT_URL for a store other than AWS), or name the variables holding them in journey.toml's [store.env]; AWS_SKIP_SIGNATURE=true reads a public bucket",
            Cloud::Gcs => "set GOOGLE_SERVICE_ACCOUNT (the path of a service account key file) or GOOGLE_APPLICATION_CREDENTIALS, or name the variable in journey.toml's [store.env]; GOOGLE_SKIP_SIGNATURE=true reads a public bucket",
            Cloud::Azure => "set AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY (or AZURE_STORAGE_SAS_KEY, or AZURE_STORAGE_CLIENT_ID, AZURE_STORAGE_CLIENT_SECRET and AZURE_STORAGE_TENANT_ID), or name the variables in journey.toml's [store.env]",
            Cloud::Http => "",
        }
    }
}

/// journey.toml's `[store]`: option values, environment variable names for secrets, and whether
/// the instance metadata service may be asked for credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Option name → value (`region = "eu-central-1"`, `endpoint = "https://…"`).
    pub options: BTreeMap<String, String>,
    /// Option name → the environment variable holding its value.
    pub env: BTreeMap<String, String>,
    pub instance_credentials: bool,
    /// Where these settings were read (journey.toml's path), for messages.
    pub origin: String,
}

/// Where a listing's files are: a store, and how to open it. Holds no secret: a client is made
/// from the environment each time one is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub cloud: Cloud,
    /// `scheme://authority/`: what DataFusion finds the store by.
    pub root: url::Url,
    settings: Settings,
}

/// The store holding `url`, with the settings of this process's environment only (each cloud's
/// variables): how a cluster's scheduler and executors open the stores of the plans they get.
pub fn from_environment(url: &str) -> Result<Remote, Diagnostic> {
    let (cloud, root, _) = split(url)?;
    Ok(Remote {
        cloud,
        root,
        settings: Settings {
            origin: "this process's environment".into(),
            ..Settings::default()
        },
    })
}

/// Whether `spec` is a URL (`scheme://…`) rather than a path.
pub fn is_url(spec: &str) -> bool {
    scheme(spec).is_some()
}

fn scheme(spec: &str) -> Option<&str> {
    let (scheme, _) = spec.split_once("://")?;
    let mut chars = scheme.chars();
    (chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// `scheme://authority/rest` split: the store's root URL, and the key (or key pattern) after it.
fn split(spec: &str) -> Result<(Cloud, url::Url, String), Diagnostic> {
    let scheme_text = scheme(spec).unwrap_or_default().to_ascii_lowercase();
    let Some(cloud) = Cloud::of_scheme(&scheme_text) else {
        return Err(Diagnostic::new(
            "J4009",
            format!("journey cannot read `{spec}`: `{scheme_text}://` is not a store it knows"),
        )
        .help(
            "--data takes a path, or a URL starting with s3://, gs://, az://, abfss:// or https://",
        ));
    };
    let after = &spec[scheme_text.len() + 3..];
    let (authority, rest) = after.split_once('/').unwrap_or((after, ""));
    if authority.is_empty() {
        return Err(Diagnostic::new(
            "J4009",
            format!(
                "`{spec}` names no {}",
                match cloud {
                    Cloud::S3 | Cloud::Gcs => "bucket",
                    Cloud::Azure => "container",
                    Cloud::Http => "host",
                }
            ),
        )
        .help("write it as s3://bucket/prefix/, gs://bucket/prefix/, az://container/prefix/ or https://host/file.parquet"));
    }
    let root = url::Url::parse(&format!("{scheme_text}://{authority}/")).map_err(|e| {
        Diagnostic::new("J4009", format!("`{spec}` is not a valid URL: {e}"))
            .help("write it as s3://bucket/prefix/, gs://bucket/prefix/, az://container/prefix/ or https://host/file.parquet")
    })?;
    Ok((cloud, root, rest.to_string()))
}

impl Remote {
    /// A client for the store. Made anew in each runtime that uses it: a client's pooled
    /// connections belong to the runtime that opened them.
    pub fn open(&self) -> Result<Arc<dyn ObjectStore>, Diagnostic> {
        let options = options(self.cloud, &self.settings, &self.root)?;
        let root = self.root.as_str();
        let failed = |e: datafusion::object_store::Error| {
            Diagnostic::new(
                "J4009",
                format!(
                    "cannot open {} at {root}: {}",
                    self.cloud.name(),
                    crate::diagnostics::one_line(&e.to_string())
                ),
            )
            .help(format!(
                "check the URL and the store's settings ({})",
                self.settings.origin
            ))
        };
        Ok(match self.cloud {
            Cloud::S3 => {
                let mut b = AmazonS3Builder::new().with_url(root);
                for (k, v) in options {
                    b = b.with_config(k.parse::<AmazonS3ConfigKey>().map_err(failed)?, v);
                }
                Arc::new(b.build().map_err(failed)?)
            }
            Cloud::Gcs => {
                let mut b = GoogleCloudStorageBuilder::new().with_url(root);
                for (k, v) in options {
                    b = b.with_config(k.parse::<GoogleConfigKey>().map_err(failed)?, v);
                }
                Arc::new(b.build().map_err(failed)?)
            }
            Cloud::Azure => {
                let mut b = MicrosoftAzureBuilder::new().with_url(root);
                for (k, v) in options {
                    b = b.with_config(k.parse::<AzureConfigKey>().map_err(failed)?, v);
                }
                Arc::new(b.build().map_err(failed)?)
            }
            Cloud::Http => {
                let mut b = HttpBuilder::new().with_url(root.trim_end_matches('/'));
                if self.root.scheme() == "http" {
                    // The user wrote http:// themselves.
                    b = b.with_config(ClientConfigKey::AllowHttp, "true");
                }
                for (k, v) in options {
                    b = b.with_config(k.parse::<ClientConfigKey>().map_err(failed)?, v);
                }
                Arc::new(b.build().map_err(failed)?)
            }
        })
    }

    /// The URL of object `key`, for DataFusion and for messages.
    pub fn url_of(&self, key: &ObjectPath) -> url::Url {
        let mut u = self.root.clone();
        u.set_path(key.as_ref());
        u
    }
}

/// The option keys, canonical, that hold a secret: never written into journey.toml.
fn is_secret(cloud: Cloud, key: &str) -> bool {
    let canonical = canonical(cloud, key).unwrap_or_else(|| key.to_string());
    matches!(
        canonical.as_str(),
        "aws_access_key_id"
            | "aws_secret_access_key"
            | "aws_session_token"
            | "google_service_account_key"
            | "azure_storage_account_key"
            | "azure_storage_sas_key"
            | "azure_storage_token"
            | "azure_storage_client_secret"
            | "azure_fabric_session_token"
    )
}

/// Options that give the client credentials without the instance metadata service.
fn gives_credentials(cloud: Cloud, key: &str, value: &str) -> bool {
    let canonical = canonical(cloud, key).unwrap_or_default();
    let on = value.eq_ignore_ascii_case("true");
    match canonical.as_str() {
        "aws_access_key_id"
        | "aws_web_identity_token_file"
        | "aws_container_credentials_relative_uri"
        | "aws_container_credentials_full_uri"
        | "google_service_account"
        | "google_service_account_key"
        | "google_application_credentials"
        | "azure_storage_account_key"
        | "azure_storage_sas_key"
        | "azure_storage_token"
        | "azure_storage_client_secret"
        | "azure_federated_token_file" => true,
        "aws_skip_signature"
        | "google_skip_signature"
        | "azure_skip_signature"
        | "azure_use_azure_cli"
        | "azure_storage_use_emulator" => on,
        _ => false,
    }
}

/// A key's canonical name, if the cloud knows it.
fn canonical(cloud: Cloud, key: &str) -> Option<String> {
    let key = key.to_ascii_lowercase();
    match cloud {
        Cloud::S3 => key
            .parse::<AmazonS3ConfigKey>()
            .ok()
            .map(|k| k.as_ref().to_string()),
        Cloud::Gcs => key
            .parse::<GoogleConfigKey>()
            .ok()
            .map(|k| k.as_ref().to_string()),
        Cloud::Azure => key
            .parse::<AzureConfigKey>()
            .ok()
            .map(|k| k.as_ref().to_string()),
        Cloud::Http => key
            .parse::<ClientConfigKey>()
            .ok()
            .map(|k| k.as_ref().to_string()),
    }
}

/// The client's options, in order of precedence (later wins): the cloud's environment variables,
/// journey.toml's values, journey.toml's named variables.
fn options(
    cloud: Cloud,
    settings: &Settings,
    root: &url::Url,
) -> Result<Vec<(String, String)>, Diagnostic> {
    let bad = |message: String, help: String| Diagnostic::new("J4009", message).help(help);
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(prefix) = cloud.env_prefix() {
        for (k, v) in std::env::vars() {
            if k.starts_with(prefix) && canonical(cloud, &k).is_some() {
                out.push((k.to_ascii_lowercase(), v));
            }
        }
        // GCP's standard variable for a key file, read as object_store's own name.
        if cloud == Cloud::Gcs {
            if let Ok(v) = std::env::var("GOOGLE_APPLICATION_CREDENTIALS") {
                out.push(("google_application_credentials".into(), v));
            }
        }
    }
    for (k, v) in &settings.options {
        if canonical(cloud, k).is_none() {
            return Err(bad(
                format!(
                    "{}: [store.options] has `{k}`, which is not an option of {}",
                    settings.origin,
                    cloud.name()
                ),
                "use the option names of the object_store crate (for S3: region, endpoint, allow_http, virtual_hosted_style_request, …)".into(),
            ));
        }
        if is_secret(cloud, k) {
            return Err(bad(
                format!(
                    "{}: [store.options] holds a secret, `{k}`; journey.toml is kept in git",
                    settings.origin
                ),
                format!("remove it, and name the environment variable that holds it instead: [store.env] {k} = \"VARIABLE\""),
            ));
        }
        out.push((k.clone(), v.clone()));
    }
    for (k, var) in &settings.env {
        if canonical(cloud, k).is_none() {
            return Err(bad(
                format!(
                    "{}: [store.env] has `{k}`, which is not an option of {}",
                    settings.origin,
                    cloud.name()
                ),
                "use the option names of the object_store crate (for S3: access_key_id, secret_access_key, session_token, …)".into(),
            ));
        }
        match std::env::var(var) {
            Ok(v) => out.push((k.clone(), v)),
            Err(_) => {
                return Err(bad(
                    format!(
                        "{}: [store.env] says `{k}` is in the environment variable {var}, which is not set",
                        settings.origin
                    ),
                    format!("set {var} before running journey"),
                ))
            }
        }
    }
    if cloud != Cloud::Http
        && !settings.instance_credentials
        && !out.iter().any(|(k, v)| gives_credentials(cloud, k, v))
        && !(cloud == Cloud::Gcs && gcloud_default_credentials())
    {
        return Err(Diagnostic::new(
            "J4009",
            format!("no credentials for {root}"),
        )
        .help(format!(
            "{}; inside the cloud, `instance_credentials = true` in journey.toml's [store] lets journey ask the instance for them",
            cloud.credentials_help()
        )));
    }
    Ok(out)
}

/// gcloud's application default credentials file, which object_store reads when no key is set.
fn gcloud_default_credentials() -> bool {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .is_some_and(|h| {
            h.join(".config/gcloud/application_default_credentials.json")
                .is_file()
        })
}

/// The files a URL names: one object, or every object under a prefix, or those a glob selects.
/// The same rules as for a folder: names starting with `.` or `_` skipped and listed, Hive
/// `key=value` folders become columns, a file of an unknown kind is an error naming it.
pub fn list(spec: &str, settings: &Settings) -> Result<Listing, Diagnostic> {
    let (cloud, root, rest) = split(spec)?;
    let remote = Remote {
        cloud,
        root,
        settings: settings.clone(),
    };
    // Listing runs on its own runtime (a thread of its own, so a caller inside a runtime is no
    // trouble), with its own client; the run makes another for its runtime.
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Diagnostic::internal(format!("cannot start the runtime: {e}")))?;
            runtime.block_on(list_async(spec, &remote, &rest))
        })
        .join()
        .unwrap_or_else(|_| Err(Diagnostic::internal("listing the store panicked")))
    })
}

async fn list_async(spec: &str, remote: &Remote, rest: &str) -> Result<Listing, Diagnostic> {
    let store = remote.open()?;
    let pattern = if listing::is_glob(rest) {
        if remote.cloud == Cloud::Http {
            return Err(Diagnostic::new(
                "J4009",
                format!("`{spec}`: an HTTP server cannot be listed, so a glob cannot be matched"),
            )
            .help("name one file per https:// URL, or copy the export to an object store"));
        }
        Some(glob::Pattern::new(rest).map_err(|e| {
            Diagnostic::new("J4003", format!("`{spec}` is not a valid glob: {e}"))
                .help("use * for any characters of a name, ** for any folders, ? for one character")
        })?)
    } else {
        None
    };
    let base = match &pattern {
        Some(_) => glob_base(rest),
        None => rest.trim_end_matches('/').to_string(),
    };
    let mut listing = Listing {
        remote: Some(remote.clone()),
        ..Listing::default()
    };
    // A key that names one object is that file.
    if pattern.is_none() && !rest.is_empty() && !rest.ends_with('/') {
        match store.head(&ObjectPath::from(base.as_str())).await {
            Ok(meta) => {
                file(&mut listing, remote, &meta, &[])?;
                return listing::finish(spec, listing);
            }
            Err(datafusion::object_store::Error::NotFound { .. }) => {}
            Err(e) if remote.cloud == Cloud::Http => return Err(failure(spec, remote, e)),
            Err(_) => {} // some stores refuse a HEAD on a "folder": list it instead
        }
    }
    if remote.cloud == Cloud::Http {
        return Err(Diagnostic::new("J4003", format!("no data at `{spec}`"))
            .help("an https:// URL names one file; check that it exists"));
    }
    let prefix = (!base.is_empty()).then(|| ObjectPath::from(base.as_str()));
    let mut objects: Vec<ObjectMeta> = store
        .list(prefix.as_ref())
        .try_collect()
        .await
        .map_err(|e| failure(spec, remote, e))?;
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    let base_parts = prefix.as_ref().map(|p| p.parts().count()).unwrap_or(0);
    'objects: for meta in &objects {
        let parts: Vec<String> = meta
            .location
            .parts()
            .map(|p| p.as_ref().to_string())
            .collect();
        let below = &parts[base_parts.min(parts.len())..];
        let key = meta.location.as_ref();
        if let Some(p) = &pattern {
            if !listing::matches_text(p, key) {
                // A folder the glob names is read whole.
                let mut dir = String::new();
                let named = parts[..parts.len().saturating_sub(1)].iter().any(|seg| {
                    if !dir.is_empty() {
                        dir.push('/');
                    }
                    dir.push_str(seg);
                    listing::matches_text(p, &dir)
                });
                if !named {
                    continue;
                }
            }
        }
        let mut partitions = Vec::new();
        for (i, seg) in below.iter().enumerate() {
            if seg.starts_with('.') || seg.starts_with('_') {
                let hidden: String = parts[..base_parts + i + 1].join("/");
                let path =
                    PathBuf::from(remote.url_of(&ObjectPath::from(hidden.as_str())).as_str());
                if !listing.skipped.iter().any(|s| s.path == path) {
                    listing.skipped.push(Skipped {
                        path,
                        reason: "hidden: its name starts with . or _".into(),
                    });
                }
                continue 'objects;
            }
            if i + 1 < below.len() {
                partitions.extend(listing::partition(seg));
            }
        }
        // A folder marker some tools write (`prefix/` as an empty object).
        if key.ends_with('/') || (meta.size == 0 && parts.last().is_none_or(|n| n.is_empty())) {
            continue;
        }
        file(&mut listing, remote, meta, &partitions)?;
    }
    listing::finish(spec, listing)
}

fn file(
    listing: &mut Listing,
    remote: &Remote,
    meta: &ObjectMeta,
    partitions: &[(String, Option<String>)],
) -> Result<(), Diagnostic> {
    let url = remote.url_of(&meta.location);
    let path = PathBuf::from(url.as_str());
    let name = meta.location.filename().unwrap_or_default().to_string();
    let (format, compression) = match format::kind(&name) {
        Kind::Data(f, c) => (f, c),
        Kind::Unknown(why) => return Err(listing::not_data(&path, &why)),
    };
    listing.files.push(DataFile {
        path,
        format,
        compression,
        size: meta.size,
        partitions: partitions.to_vec(),
        object: Some(super::listing::Object {
            key: meta.location.as_ref().to_string(),
            version: meta
                .e_tag
                .clone()
                .unwrap_or_else(|| meta.last_modified.to_rfc3339()),
        }),
    });
    Ok(())
}

/// The key's components before the first with a wildcard.
fn glob_base(rest: &str) -> String {
    rest.split('/')
        .take_while(|c| !listing::is_glob(c))
        .collect::<Vec<_>>()
        .join("/")
}

/// A store's refusal or failure, coded and naming the URL.
pub fn failure(spec: &str, remote: &Remote, e: datafusion::object_store::Error) -> Diagnostic {
    use datafusion::object_store::Error as E;
    let why = crate::diagnostics::one_line(&e.to_string());
    let container = match remote.cloud {
        Cloud::Azure => "container",
        Cloud::Http => "file",
        _ => "bucket",
    };
    let (message, help) = match &e {
        E::NotFound { .. } => (
            format!("no {container} at `{spec}`: {why}"),
            format!("check the {container}'s name and the store's endpoint"),
        ),
        E::PermissionDenied { .. } => (
            format!("access denied to `{spec}`: {why}"),
            "check that the credentials may list and read this prefix".to_string(),
        ),
        E::Unauthenticated { .. } => (
            format!("the store did not accept the credentials for `{spec}`: {why}"),
            remote.cloud.credentials_help().to_string(),
        ),
        _ if why.contains("NoSuchBucket") || why.contains("ContainerNotFound") => (
            format!("no {container} at `{spec}`: {why}"),
            format!("check the {container}'s name and the store's endpoint"),
        ),
        _ if why.contains("AccessDenied")
            // The status as the HTTP client words it; not any "403" (a retry's duration,
            // "in 2.440345536s", holds one).
            || why.contains("403 Forbidden")
            || why.contains("status 403")
            || why.contains("SignatureDoesNotMatch")
            || why.contains("InvalidAccessKeyId") =>
        {
            (
                format!("access denied to `{spec}`: {why}"),
                "check the credentials, and that they may list and read this prefix".to_string(),
            )
        }
        _ if why.contains("error sending request") || why.contains("connect") => (
            format!("cannot reach the store for `{spec}`: {why}"),
            "check the store's endpoint (AWS_ENDPOINT_URL, or endpoint in journey.toml's [store.options]) and the network".to_string(),
        ),
        _ => (
            format!("cannot read `{spec}`: {why}"),
            "check the URL, the endpoint and the network".to_string(),
        ),
    };
    Diagnostic::new("J4010", message).help(help)
}
