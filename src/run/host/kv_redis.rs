//! `wasi:keyvalue` on Redis (`--keyvalue redis://HOST:PORT[/DB]`), over one multiplexed
//! connection: a bucket is a key prefix, `{bucket}:{key}`, as wasmCloud's Redis backend
//! stores it, so both see the same data.
//!
//! - `""` is the bucket `default` (keys `default:…`); wasmCloud uses the identifier as it is,
//!   so its `open("")` reads `:…` instead. Any identifier and key are allowed.
//! - Counters are Redis integers, i.e. decimal text, incremented with `INCRBY` (atomic on the
//!   server); Redis counts in `i64`, so a `delta` or sum past `i64::MAX` is `error::other`.
//! - `list-keys` is one `SCAN … MATCH {bucket}:* COUNT 1000` (repeated while a step finds
//!   nothing) and its cursor is Redis's: a key may come twice, and keys written meanwhile may
//!   or may not show, as SCAN promises.
//! - `batch` is `MGET`, `MSET` and one `DEL` of every key.

use redis::AsyncCommands as _;
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
    conn: MultiplexedConnection,
}

/// One opened bucket: a key prefix on the connection.
#[derive(Clone)]
pub struct RedisBucket {
    name: String,
    conn: MultiplexedConnection,
}

impl RedisKeyValue {
    /// Connects to `url` and checks that the server answers.
    pub async fn connect(url: &str) -> Result<RedisKeyValue, BoxError> {
        let client = redis::Client::open(url)?;
        // The whole start-up (connect and PING) is timed below, as NATS's is.
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
            Ok(conn) => Ok(RedisKeyValue { conn: conn? }),
            Err(_) => Err(timed_out("Redis").into()),
        }
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
            conn: self.conn.clone(),
        }
    }
}

impl RedisBucket {
    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.name)
    }

    fn err(&self, doing: String) -> impl FnOnce(redis::RedisError) -> RedisKvError + '_ {
        move |source| RedisKvError::Server {
            bucket: self.name.clone(),
            doing,
            source,
        }
    }

    /// The value at `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, RedisKvError> {
        let mut conn = self.conn.clone();
        conn.get(self.key(key))
            .await
            .map_err(self.err(format!("GET `{key}`")))
    }

    /// Whether `key` has a value.
    pub async fn exists(&self, key: &str) -> Result<bool, RedisKvError> {
        let mut conn = self.conn.clone();
        conn.exists(self.key(key))
            .await
            .map_err(self.err(format!("EXISTS `{key}`")))
    }

    /// Sets `key` to `value`.
    pub async fn set(&self, key: &str, value: Vec<u8>) -> Result<(), RedisKvError> {
        let mut conn = self.conn.clone();
        conn.set(self.key(key), value)
            .await
            .map_err(self.err(format!("SET `{key}`")))
    }

    /// Adds `delta` to the counter at `key` (0 when absent) with `INCRBY`.
    pub async fn increment(&self, key: &str, delta: u64) -> Result<u64, RedisKvError> {
        let too_large = || RedisKvError::TooLarge {
            key: key.to_string(),
            delta,
        };
        let delta_i64 = i64::try_from(delta).map_err(|_| too_large())?;
        let mut conn = self.conn.clone();
        let sum: i64 = conn
            .incr(self.key(key), delta_i64)
            .await
            .map_err(self.err(format!("INCRBY `{key}`")))?;
        // Negative only if something else wrote a negative number there.
        u64::try_from(sum).map_err(|_| too_large())
    }

    /// The values of `keys`, in order.
    pub async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, RedisKvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let stored: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let mut conn = self.conn.clone();
        conn.mget(stored)
            .await
            .map_err(self.err(format!("MGET of {} keys", keys.len())))
    }

    /// Sets every pair in one `MSET`.
    pub async fn set_many(&self, pairs: Vec<(String, Vec<u8>)>) -> Result<(), RedisKvError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let count = pairs.len();
        let stored: Vec<(String, Vec<u8>)> =
            pairs.into_iter().map(|(k, v)| (self.key(&k), v)).collect();
        let mut conn = self.conn.clone();
        conn.mset(&stored)
            .await
            .map_err(self.err(format!("MSET of {count} keys")))
    }

    /// Deletes every key in one `DEL` (absent ones are fine).
    pub async fn delete_many(&self, keys: &[String]) -> Result<(), RedisKvError> {
        if keys.is_empty() {
            return Ok(());
        }
        let stored: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let mut conn = self.conn.clone();
        conn.del(stored)
            .await
            .map_err(self.err(format!("DEL of {} keys", keys.len())))
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
        let mut conn = self.conn.clone();
        let mut cursor = cursor.unwrap_or(0);
        loop {
            let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(PAGE)
                .query_async(&mut conn)
                .await
                .map_err(self.err("SCAN".into()))?;
            let keys: Vec<String> = found
                .into_iter()
                .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
                .collect();
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
