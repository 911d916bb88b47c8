//! `wasi:keyvalue` on Redis (`--keyvalue redis://HOST:PORT[/DB]`), over one multiplexed
//! connection: a bucket is a key prefix, `{bucket}:{key}`, as wasmCloud's Redis backend
//! stores it, so both see the same data.
//!
//! - `""` is the bucket `default` (keys `default:…`); wasmCloud uses the identifier as it is,
//!   so its `open("")` reads `:…` instead. Any identifier and key are allowed.
//! - Counters are Redis integers, i.e. decimal text, incremented with `INCRBY` (atomic on the
//!   server); Redis counts in `i64`, so a `delta` or sum past `i64::MAX` is `error::other`.
//! - `list-keys` is one `SCAN … MATCH {bucket}:* COUNT 1000` (repeated while a step finds
//!   nothing), its keys sorted within the page, and its cursor is Redis's: a key may come
//!   twice, and keys written meanwhile may or may not show, as SCAN promises.
//! - `batch` is `MGET`, `MSET` and one `DEL` of every key.
//! - A connection the server dropped is made again by the next call, so calls fail while the
//!   server is away and work again when it is back.

use std::sync::{Arc, Mutex, MutexGuard};

use redis::aio::MultiplexedConnection;

use super::BoxError;
use super::kv_store::{DEFAULT_BUCKET, PAGE};
use super::nats::{CONNECT_TIMEOUT, timed_out};

/// How long one Redis command may take (the client's default, 500 ms, is too short for a
/// machine busy building).
const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What can go wrong; the guest sees it as `error::other(message)`.
#[derive(Debug, thiserror::Error)]
pub enum RedisKvError {
    /// The server refused or failed a command.
    #[error("Redis bucket `{bucket}`: {doing}: {source}")]
    Server {
        /// The bucket.
        bucket: String,
        /// What was asked (`GET \`count\``).
        doing: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// The connection was lost and cannot be made again.
    #[error("Redis bucket `{bucket}`: {doing}: the server is unreachable: {source}")]
    Reconnect {
        /// The bucket.
        bucket: String,
        /// What was asked.
        doing: String,
        /// Why connecting failed.
        #[source]
        source: BoxError,
    },
    /// `increment` by more than Redis counts.
    #[error("cannot add {delta} to `{key}`: Redis counters stop at 2^63 - 1")]
    TooLarge {
        /// The key.
        key: String,
        /// The delta asked for.
        delta: u64,
    },
}

/// The run's Redis connection.
pub struct RedisKeyValue {
    shared: Arc<Shared>,
}

/// The client, and the connection every bucket multiplexes its commands on.
struct Shared {
    client: redis::Client,
    /// `None` after the server dropped it: the next call connects again.
    conn: Mutex<Option<MultiplexedConnection>>,
}

/// One opened bucket: a key prefix on the connection.
#[derive(Clone)]
pub struct RedisBucket {
    name: String,
    shared: Arc<Shared>,
}

/// A multiplexed connection to `client`, within [`CONNECT_TIMEOUT`], that has answered `PING`.
async fn connect(client: &redis::Client) -> Result<MultiplexedConnection, BoxError> {
    // The whole start-up (connect and PING) is timed here, as NATS's is.
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(None)
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    let connecting = async {
        let mut conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        redis::cmd("PING")
            .query_async::<()>(&mut conn)
            .await
            .map(|()| conn)
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(conn) => Ok(conn?),
        Err(_) => Err(timed_out("Redis").into()),
    }
}

impl RedisKeyValue {
    /// Connects to `url` and checks that the server answers.
    pub async fn connect(url: &str) -> Result<RedisKeyValue, BoxError> {
        let client = redis::Client::open(url)?;
        let conn = connect(&client).await?;
        Ok(RedisKeyValue {
            shared: Arc::new(Shared {
                client,
                conn: Mutex::new(Some(conn)),
            }),
        })
    }

    /// The bucket named `identifier` (`""` is `default`).
    pub fn open(&self, identifier: &str) -> RedisBucket {
        let name = if identifier.is_empty() {
            DEFAULT_BUCKET
        } else {
            identifier
        };
        RedisBucket {
            name: name.to_string(),
            shared: self.shared.clone(),
        }
    }
}

impl RedisBucket {
    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.name)
    }

    /// Runs `cmd`. A multiplexed connection does not come back once the server has dropped
    /// it: such a connection is let go, and the next call makes a new one, so calls fail while
    /// the server is away and succeed again once it is back.
    async fn query<T: redis::FromRedisValue>(
        &self,
        cmd: redis::Cmd,
        doing: String,
    ) -> Result<T, RedisKvError> {
        let failed = |source| RedisKvError::Server {
            bucket: self.name.clone(),
            doing: doing.clone(),
            source,
        };
        let current = lock(&self.shared.conn).clone();
        let mut conn = match current {
            Some(conn) => conn,
            None => {
                let conn = connect(&self.shared.client).await.map_err(|source| {
                    RedisKvError::Reconnect {
                        bucket: self.name.clone(),
                        doing: doing.clone(),
                        source,
                    }
                })?;
                *lock(&self.shared.conn) = Some(conn.clone());
                conn
            }
        };
        let result = cmd.query_async(&mut conn).await;
        if let Err(e) = &result
            && (e.is_unrecoverable_error() || e.is_connection_dropped())
        {
            *lock(&self.shared.conn) = None;
        }
        result.map_err(failed)
    }

    /// The value at `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, RedisKvError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(key));
        self.query(cmd, format!("GET `{key}`")).await
    }

    /// Whether `key` has a value.
    pub async fn exists(&self, key: &str) -> Result<bool, RedisKvError> {
        let mut cmd = redis::cmd("EXISTS");
        cmd.arg(self.key(key));
        self.query(cmd, format!("EXISTS `{key}`")).await
    }

    /// Sets `key` to `value`.
    pub async fn set(&self, key: &str, value: Vec<u8>) -> Result<(), RedisKvError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value);
        self.query(cmd, format!("SET `{key}`")).await
    }

    /// Adds `delta` to the counter at `key` (0 when absent) with `INCRBY`.
    pub async fn increment(&self, key: &str, delta: u64) -> Result<u64, RedisKvError> {
        let too_large = || RedisKvError::TooLarge {
            key: key.to_string(),
            delta,
        };
        let delta_i64 = i64::try_from(delta).map_err(|_| too_large())?;
        let mut cmd = redis::cmd("INCRBY");
        cmd.arg(self.key(key)).arg(delta_i64);
        let sum: i64 = self.query(cmd, format!("INCRBY `{key}`")).await?;
        // Negative only if something else wrote a negative number there.
        u64::try_from(sum).map_err(|_| too_large())
    }

    /// The values of `keys`, in order, with one `MGET`.
    pub async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, RedisKvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("MGET");
        for key in keys {
            cmd.arg(self.key(key));
        }
        self.query(cmd, format!("MGET of {} keys", keys.len()))
            .await
    }

    /// Sets every pair in one `MSET`.
    pub async fn set_many(&self, pairs: Vec<(String, Vec<u8>)>) -> Result<(), RedisKvError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("MSET");
        for (key, value) in &pairs {
            cmd.arg(self.key(key)).arg(value);
        }
        self.query(cmd, format!("MSET of {} keys", pairs.len()))
            .await
    }

    /// Deletes every key in one `DEL` (absent ones are fine).
    pub async fn delete_many(&self, keys: &[String]) -> Result<(), RedisKvError> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("DEL");
        for key in keys {
            cmd.arg(self.key(key));
        }
        self.query(cmd, format!("DEL of {} keys", keys.len())).await
    }

    /// The keys of one SCAN step from `cursor` (Redis's), and the next cursor (`None` once
    /// Redis says the scan is complete). Steps that match nothing are skipped, so a page is
    /// empty only at the end.
    pub async fn list_keys(
        &self,
        cursor: Option<u64>,
    ) -> Result<(Vec<String>, Option<u64>), RedisKvError> {
        let prefix = self.key("");
        let pattern = format!("{}*", glob_escape(&prefix));
        let mut cursor = cursor.unwrap_or(0);
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(PAGE);
            let (next, found): (u64, Vec<String>) = self.query(cmd, "SCAN".into()).await?;
            let mut keys: Vec<String> = found
                .into_iter()
                .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
                .collect();
            keys.sort();
            if next == 0 {
                return Ok((keys, None));
            }
            if !keys.is_empty() {
                return Ok((keys, Some(next)));
            }
            cursor = next;
        }
    }
}

/// A poisoned lock only means a call panicked while swapping connections; either is usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `text` with Redis's glob characters escaped, so a bucket named `a*` matches only itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bucket_names_are_matched_literally() {
        assert_eq!(super::glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
        assert_eq!(super::glob_escape("default:"), "default:");
    }
}
