//! The host's resources in the operators' health view (seed 000's `system`): CPU and
//! memory use, and the disk holding the data directory. Sampled in the background every
//! few seconds (a CPU percentage needs two readings apart), so a health request only
//! reads the last sample.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brigade_http::HealthReport;
use serde_json::{Value, json};
use sysinfo::{Disks, System};

const SAMPLE_EVERY: Duration = Duration::from_secs(5);

pub struct Host {
    last: Arc<Mutex<Value>>,
}

impl Host {
    /// Starts sampling (on the current runtime); `data_dir` is where the disk use is
    /// read (the nearest existing ancestor when it does not exist yet).
    pub fn start(data_dir: &Path) -> Self {
        let dir = existing(data_dir);
        let mut system = System::new();
        system.refresh_cpu_usage();
        system.refresh_memory();
        // Ready at once (the CPU reads 0 until the second sample).
        let last = Arc::new(Mutex::new(sample(&system, &dir)));
        let shared = Arc::clone(&last);
        actix_web::rt::spawn(async move {
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                system.refresh_cpu_usage();
                system.refresh_memory();
                let sample = sample(&system, &dir);
                if let Ok(mut last) = shared.lock() {
                    *last = sample;
                }
            }
        });
        Self { last }
    }
}

fn existing(dir: &Path) -> PathBuf {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    absolute
        .ancestors()
        .find(|a| a.exists())
        .map_or_else(|| PathBuf::from("/"), Path::to_owned)
}

fn percent(used: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| (used as f64 * 1000.0 / total as f64).round() / 10.0)
}

fn sample(system: &System, dir: &Path) -> Value {
    let disks = Disks::new_with_refreshed_list();
    // The disk whose mount point is the longest prefix of the directory.
    let disk = disks
        .list()
        .iter()
        .filter(|d| dir.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len());
    let disk = disk.map(|d| {
        let used = d.total_space().saturating_sub(d.available_space());
        json!({
            "path": dir.display().to_string(),
            "mount_point": d.mount_point().display().to_string(),
            "total_bytes": d.total_space(),
            "available_bytes": d.available_space(),
            "percent": percent(used, d.total_space()),
        })
    });
    json!({
        "status": "up",
        "cpu_percent": (f64::from(system.global_cpu_usage()) * 10.0).round() / 10.0,
        "cpus": system.cpus().len(),
        "memory_percent": percent(system.used_memory(), system.total_memory()),
        "memory_total_bytes": system.total_memory(),
        "disk": disk,
    })
}

#[async_trait::async_trait]
impl HealthReport for Host {
    fn name(&self) -> &'static str {
        "system"
    }

    async fn report(&self) -> Value {
        self.last
            .lock()
            .map(|v| v.clone())
            .unwrap_or_else(|_| json!({ "status": "up" }))
    }

    fn in_readiness(&self) -> bool {
        false
    }
}
