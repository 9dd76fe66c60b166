//! An S3-protocol server (s3s-fs) on a free port of 127.0.0.1, over a scratch folder: started by
//! the object store tests themselves, stopped and removed when dropped.

use datafusion::object_store::aws::AmazonS3Builder;
use datafusion::object_store::path::Path as ObjectPath;
use datafusion::object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const KEY: &str = "journey-test";
pub const SECRET: &str = "journey-test-secret";

/// An S3 server on 127.0.0.1, over a scratch folder; stopped and removed on drop.
pub struct S3 {
    port: u16,
    pub root: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl S3 {
    /// `auth`: whether requests must be signed with KEY and SECRET (else anyone may read).
    pub fn start(name: &str, auth: bool, buckets: &[&str]) -> S3 {
        let root = std::env::temp_dir().join(format!("journey-s3-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for b in buckets {
            // s3s-fs keeps a bucket as a folder of its root.
            std::fs::create_dir_all(root.join(b)).unwrap();
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let fs_root = root.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(listener, fs_root, auth, stopped));
        });
        S3 {
            port,
            root,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A client of the server, to upload with (in `runtime`).
    pub fn client(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        Arc::new(
            AmazonS3Builder::new()
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_region("us-east-1")
                .with_bucket_name(bucket)
                .with_access_key_id(KEY)
                .with_secret_access_key(SECRET)
                .build()
                .unwrap(),
        )
    }

    /// Upload every file under `local` to `bucket` under `prefix`, keeping the folders.
    pub fn upload(&self, local: &Path, bucket: &str, prefix: &str) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = self.client(bucket);
        let mut files = Vec::new();
        walk(local, &mut files);
        runtime.block_on(async {
            for f in files {
                let rel = f
                    .strip_prefix(local)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let key = if rel.is_empty() {
                    format!("{prefix}{}", f.file_name().unwrap().to_string_lossy())
                } else {
                    format!("{prefix}{rel}")
                };
                let bytes = std::fs::read(&f).unwrap();
                store
                    .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
                    .await
                    .unwrap();
            }
        });
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn serve(
    listener: std::net::TcpListener,
    root: PathBuf,
    auth: bool,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    let fs = s3s_fs::FileSystem::new(&root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    if auth {
        b.set_auth(s3s::auth::SimpleAuth::from_single(KEY, SECRET));
    }
    let service = b.build();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(_) => continue,
            },
            _ = &mut stopped => break,
        };
        let service = service.clone();
        tokio::spawn(async move {
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_file() {
        out.push(p.to_path_buf());
        return;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for e in entries {
        walk(&e, out);
    }
}
