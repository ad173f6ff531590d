//! The Redis gate: levels shared by every origin, changed only by Lua scripts so that checking and
//! taking the stock of all of a hold's items is one atomic step.
//!
//! Failover policy: the gate talks to the primary only. It finds it through Sentinel (asking each
//! sentinel in turn, then checking that the address it was given answers ROLE with "master") or
//! takes a plain URL. Any error on a command (connection lost, timeout, READONLY from a demoted
//! primary) drops the connection, and the next call finds the primary again; so writes never stay
//! pointed at a replica. While one task reconnects, the others are told "unavailable" at once
//! instead of queueing, and the storefront sells on the database path. Every new connection bumps
//! the generation, which makes the storefront reload each event from the database before trusting
//! the gate again: a restarted or newly promoted Redis may have lost or rolled back writes.
//!
//! Why not redis-rs's own Sentinel client (`redis::sentinel`): it connects to each sentinel and to
//! each candidate primary without a connect or response timeout, so one sentinel that accepts a
//! connection and then hangs stalls the whole discovery; the gate needs every sentinel bounded by
//! its own timeout, so that the next sentinel is asked while the primary is being failed over.
use super::{Admission, Gate, GateError, Items};
use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError, Script, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// After a failed connection attempt, calls fail fast for this long before the next attempt.
const RECONNECT_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisTarget {
    /// redis://host:port/db
    Url(String),
    /// Sentinel addresses (host:port) and the name of the primary they watch.
    Sentinel { sentinels: Vec<String>, master: String },
}

#[derive(Clone, Debug)]
pub struct RedisSettings {
    pub target: RedisTarget,
    /// Namespace for the gate's keys, so several deployments (or tests) can share one Redis.
    pub key_prefix: String,
    /// Bound on connecting and on every command.
    pub timeout: Duration,
}

struct Connected {
    connection: MultiplexedConnection,
    address: String,
}

pub struct RedisGate {
    settings: RedisSettings,
    current: RwLock<Option<Connected>>,
    connecting: tokio::sync::Mutex<()>,
    last_attempt: Mutex<Option<Instant>>,
    generation: AtomicU64,
    up: AtomicBool,
    take_script: Script,
    give_back_script: Script,
    load_script: Script,
}

/// KEYS: stock keys; ARGV: quantities. {1}: taken. {0, level...}: refused. {-1}: a key is missing.
const TAKE: &str = r#"
local levels = {}
for i, key in ipairs(KEYS) do
  local level = redis.call('GET', key)
  if not level then return {-1} end
  levels[i] = tonumber(level)
end
for i = 1, #KEYS do
  if levels[i] < tonumber(ARGV[i]) then
    local reply = {0}
    for j = 1, #KEYS do reply[j + 1] = levels[j] end
    return reply
  end
end
for i, key in ipairs(KEYS) do redis.call('DECRBY', key, ARGV[i]) end
return {1}
"#;

/// KEYS: stock keys; ARGV: quantities. Missing keys stay missing: their next load counts the stock.
const GIVE_BACK: &str = r#"
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('INCRBY', key, ARGV[i]) end
end
return {1}
"#;

/// KEYS: stock keys; ARGV: levels.
const LOAD: &str = r#"
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i]) end
return {1}
"#;

impl RedisGate {
    pub fn new(settings: RedisSettings) -> RedisGate {
        RedisGate {
            settings,
            current: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            last_attempt: Mutex::new(None),
            generation: AtomicU64::new(0),
            up: AtomicBool::new(false),
            take_script: Script::new(TAKE),
            give_back_script: Script::new(GIVE_BACK),
            load_script: Script::new(LOAD),
        }
    }

    fn key(&self, ticket_type_id: i64) -> String {
        format!("{}:stock:{ticket_type_id}", self.settings.key_prefix)
    }

    fn connected(&self) -> Option<MultiplexedConnection> {
        let current = self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.as_ref().map(|c| c.connection.clone())
    }

    async fn connection(&self) -> Result<MultiplexedConnection, GateError> {
        if let Some(connection) = self.connected() {
            return Ok(connection);
        }
        let Ok(_connecting) = self.connecting.try_lock() else {
            return Err(GateError::Unavailable("reconnecting to Redis".into()));
        };
        if let Some(connection) = self.connected() {
            return Ok(connection);
        }
        {
            let mut last = self.last_attempt.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.is_some_and(|at| at.elapsed() < RECONNECT_BACKOFF) {
                return Err(GateError::Unavailable("Redis is down; retrying shortly".into()));
            }
            *last = Some(Instant::now());
        }
        // Sentinel discovery makes several round trips; bound the whole of it.
        let bound = self.settings.timeout * 4;
        let (connection, address) = match tokio::time::timeout(bound, self.connect()).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(err)) => {
                self.up.store(false, Ordering::Relaxed);
                return Err(GateError::Unavailable(err.to_string()));
            }
            Err(_) => {
                self.up.store(false, Ordering::Relaxed);
                return Err(GateError::Unavailable(format!("no Redis primary within {} ms", bound.as_millis())));
            }
        };
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::info!(%address, generation, "connected to the Redis primary");
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(Connected { connection: connection.clone(), address });
        self.up.store(true, Ordering::Relaxed);
        Ok(connection)
    }

    fn config(&self) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new().set_connection_timeout(Some(self.settings.timeout)).set_response_timeout(Some(self.settings.timeout))
    }

    async fn connect(&self) -> anyhow::Result<(MultiplexedConnection, String)> {
        match &self.settings.target {
            RedisTarget::Url(url) => {
                let client = Client::open(url.as_str())?;
                let connection = client.get_multiplexed_async_connection_with_config(&self.config()).await?;
                Ok((connection, redacted(url)))
            }
            RedisTarget::Sentinel { sentinels, master } => {
                let mut failures = Vec::new();
                for sentinel in sentinels {
                    match self.primary_from(sentinel, master).await {
                        Ok(found) => return Ok(found),
                        Err(err) => failures.push(format!("{sentinel}: {err}")),
                    }
                }
                anyhow::bail!("no sentinel gave a reachable primary for {master:?} ({})", failures.join("; "))
            }
        }
    }

    async fn primary_from(&self, sentinel: &str, master: &str) -> anyhow::Result<(MultiplexedConnection, String)> {
        let client = Client::open(format!("redis://{sentinel}/"))?;
        let mut connection = client.get_multiplexed_async_connection_with_config(&self.config()).await?;
        let address: Option<(String, u16)> =
            redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(master).query_async(&mut connection).await?;
        let Some((host, port)) = address else {
            anyhow::bail!("does not know {master:?}");
        };
        let address = format!("{host}:{port}");
        let client = Client::open(format!("redis://{address}/"))?;
        let mut primary = client.get_multiplexed_async_connection_with_config(&self.config()).await?;
        // A sentinel can name a primary that has just been demoted; ask the server itself.
        let role: Vec<Value> = redis::cmd("ROLE").query_async(&mut primary).await?;
        match role.first() {
            Some(Value::BulkString(role)) if role.as_slice() == b"master" => Ok((primary, address)),
            Some(Value::SimpleString(role)) if role == "master" => Ok((primary, address)),
            other => anyhow::bail!("{address} is not a primary (ROLE says {other:?})"),
        }
    }

    /// Any failed command may mean a dead connection or a demoted primary: forget the connection
    /// so the next call finds the primary again.
    fn failed(&self, err: RedisError) -> GateError {
        let mut current = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(connected) = current.take() {
            tracing::warn!(address = %connected.address, error = %err, "Redis command failed; finding the primary again");
        }
        self.up.store(false, Ordering::Relaxed);
        GateError::Unavailable(err.to_string())
    }

    async fn invoke(&self, script: &Script, items: &Items) -> Result<Vec<i64>, GateError> {
        let mut connection = self.connection().await?;
        let mut invocation = script.prepare_invoke();
        for (id, value) in items {
            invocation.key(self.key(*id)).arg(*value);
        }
        invocation.invoke_async(&mut connection).await.map_err(|err| self.failed(err))
    }
}

#[async_trait]
impl Gate for RedisGate {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    async fn take(&self, items: &Items) -> Result<Admission, GateError> {
        let reply = self.invoke(&self.take_script, items).await?;
        match reply.first() {
            Some(1) => Ok(Admission::Admitted),
            Some(-1) => Ok(Admission::NotLoaded),
            Some(0) if reply.len() == items.len() + 1 => {
                Ok(Admission::Refused(items.iter().zip(&reply[1..]).map(|((id, _), level)| (*id, *level)).collect()))
            }
            _ => Err(GateError::Unavailable(format!("unexpected reply from the take script: {reply:?}"))),
        }
    }

    async fn give_back(&self, items: &Items) -> Result<(), GateError> {
        if items.is_empty() {
            return Ok(());
        }
        self.invoke(&self.give_back_script, items).await.map(|_| ())
    }

    async fn load(&self, levels: &Items) -> Result<(), GateError> {
        if levels.is_empty() {
            return Ok(());
        }
        self.invoke(&self.load_script, levels).await.map(|_| ())
    }

    async fn level(&self, ticket_type_id: i64) -> Result<Option<i64>, GateError> {
        let mut connection = self.connection().await?;
        redis::cmd("GET").arg(self.key(ticket_type_id)).query_async(&mut connection).await.map_err(|err| self.failed(err))
    }

    async fn ping(&self) -> Result<(), GateError> {
        let mut connection = self.connection().await?;
        redis::cmd("PING").query_async::<String>(&mut connection).await.map_err(|err| self.failed(err))?;
        Ok(())
    }

    fn describe(&self) -> String {
        let current = self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        match current.as_ref() {
            Some(connected) => format!("redis primary at {}", connected.address),
            None => "redis (not connected)".to_string(),
        }
    }
}

/// The URL without its password, for logs.
fn redacted(url: &str) -> String {
    match url.split_once('@') {
        Some((scheme_and_user, host)) => {
            let scheme = scheme_and_user.split("://").next().unwrap_or("redis");
            format!("{scheme}://…@{host}")
        }
        None => url.to_string(),
    }
}
