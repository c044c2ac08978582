//! What one instance puts in Redis, another trusts only with its seal: an HMAC-SHA256
//! tag under a key every instance of the deployment derives from its shared secret.
//! A message forged on the channel, or a cache entry written by anyone else, fails the
//! check and is dropped (the journal and the database still have the truth).
//!
//! A sealed value is the 32-byte tag, then the body. The tag covers what the value is
//! for (a bus message on a channel, or a cache entry under a key) and the body, so a
//! sealed value cannot be replayed under another name or as the other kind.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length of the tag in front of every sealed body.
const TAG: usize = 32;
/// Separates the derived key from any other use of the same secret.
const PURPOSE: &[u8] = b"brigade redis seal v1";

/// What a sealed value is for; part of what its tag covers.
#[derive(Debug, Clone, Copy)]
pub enum Context<'a> {
    /// A message on this bus channel.
    Bus(&'a str),
    /// A shared-cache entry under this (prefixed) key.
    Cache(&'a str),
}

#[derive(Clone)]
pub struct Seal {
    key: [u8; 32],
}

impl Seal {
    /// The seal of every instance that shares `secret` (the token signing secret).
    pub fn derive(secret: &[u8]) -> Seal {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
        mac.update(PURPOSE);
        Seal {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn mac(&self, context: Context<'_>, body: &[u8]) -> HmacSha256 {
        let (kind, name): (&[u8], &str) = match context {
            Context::Bus(channel) => (b"bus", channel),
            Context::Cache(key) => (b"kv", key),
        };
        let mut mac =
            HmacSha256::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(kind);
        mac.update(&u64::try_from(name.len()).unwrap_or(u64::MAX).to_be_bytes());
        mac.update(name.as_bytes());
        mac.update(body);
        mac
    }

    /// `body` with its tag in front.
    pub fn seal(&self, context: Context<'_>, body: &[u8]) -> Vec<u8> {
        let tag = self.mac(context, body).finalize().into_bytes();
        let mut sealed = Vec::with_capacity(TAG + body.len());
        sealed.extend_from_slice(&tag);
        sealed.extend_from_slice(body);
        sealed
    }

    /// The body of a value sealed under `context` by an instance with the same secret;
    /// `None` for anything else (checked in constant time).
    pub fn open<'a>(&self, context: Context<'_>, sealed: &'a [u8]) -> Option<&'a [u8]> {
        if sealed.len() < TAG {
            return None;
        }
        let (tag, body) = sealed.split_at(TAG);
        self.mac(context, body).verify_slice(tag).ok()?;
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_body_opens_only_with_the_same_secret_and_context_and_unaltered() {
        let seal = Seal::derive(b"the deployment's secret");
        let sealed = seal.seal(Context::Bus("brigade:events"), b"{\"seq\":7}");
        assert_eq!(
            seal.open(Context::Bus("brigade:events"), &sealed),
            Some(&b"{\"seq\":7}"[..])
        );
        assert_eq!(
            Seal::derive(b"another secret").open(Context::Bus("brigade:events"), &sealed),
            None
        );
        assert_eq!(seal.open(Context::Bus("other:channel"), &sealed), None);
        assert_eq!(
            seal.open(Context::Cache("brigade:events"), &sealed),
            None,
            "a message is not a cache entry of the same name"
        );
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(seal.open(Context::Bus("brigade:events"), &altered), None);
        assert_eq!(
            seal.open(Context::Bus("brigade:events"), b"{\"seq\":7}"),
            None,
            "unsealed"
        );
        assert_eq!(seal.open(Context::Bus("brigade:events"), b""), None);
    }
}
