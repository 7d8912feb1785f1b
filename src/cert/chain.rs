//! Chains: order a pile of certificates leaf → intermediates → root by names and AKI/SKI,
//! check every signature, and say which certificate a module's CA slot needs.

use super::inspect::{CertInfo, inspect};
use super::verify::{SigCheck, verify_signed_by};
use serde::Serialize;

/// One ordered chain. Indices point into the slice given to [`build_chains`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Leaf first, then each issuer in turn.
    pub order: Vec<usize>,
    /// `links[i]` is the check of `order[i]`'s signature by `order[i + 1]`.
    pub links: Vec<SigCheck>,
    /// True when the chain ends in a self-signed certificate (a root).
    pub has_root: bool,
    /// The certificate for the module's CA slot: the root if present, otherwise the topmost
    /// issuer that is present (modules verify from the slot upwards no further).
    pub ca_slot: Option<usize>,
    /// Issuer name the top certificate needs when the root is missing.
    pub missing_issuer: Option<String>,
    /// One-sentence advice for the user.
    pub advice: String,
}

/// All chains found in a pile of certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// One chain per leaf (a certificate that issued none of the others).
    pub chains: Vec<Chain>,
    /// Certificates given more than once: (duplicate index, first index).
    pub duplicates: Vec<(usize, usize)>,
    /// Indices of inputs that did not decode as certificates.
    pub undecodable: Vec<usize>,
}

struct Node {
    info: CertInfo,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    /// The names as text in lower case, made once: every pair of a bundle compares them.
    subject_text: String,
    issuer_text: String,
    spki: Vec<u8>,
    ski_present: bool,
}

fn node(der: &[u8], info: Option<&CertInfo>) -> Option<Node> {
    use der::{Decode, Encode};
    let c = x509_cert::Certificate::from_der(der).ok()?;
    let info = match info {
        Some(info) => info.clone(),
        None => inspect(der, 0).ok()?,
    };
    Some(Node {
        subject: c.tbs_certificate.subject.to_der().ok()?,
        issuer: c.tbs_certificate.issuer.to_der().ok()?,
        spki: c.tbs_certificate.subject_public_key_info.to_der().ok()?,
        ski_present: !info.ski_computed,
        subject_text: info.subject.to_lowercase(),
        issuer_text: info.issuer.to_lowercase(),
        info,
    })
}

/// Could `parent` have issued `child`? Names must match; key identifiers must not disagree.
fn may_issue(parent: &Node, child: &Node) -> bool {
    let names = parent.subject == child.issuer || parent.subject_text == child.issuer_text;
    if !names {
        return false;
    }
    match (&child.info.aki, parent.ski_present) {
        (Some(aki), true) => *aki == parent.info.ski,
        _ => true,
    }
}

/// Orders `certs` (DER) into chains and checks each signature.
pub fn build_chains(certs: &[&[u8]]) -> ChainReport {
    build_chains_inspected(certs, &[])
}

/// [`build_chains`] for a caller that already inspected the certificates: `infos[i]`, where
/// present, is `certs[i]` inspected (at any time: validity is not used), so a bundle of 144
/// roots is not inspected twice.
pub fn build_chains_inspected(certs: &[&[u8]], infos: &[Option<CertInfo>]) -> ChainReport {
    use sha2::Digest;
    let mut nodes: Vec<Option<Node>> = Vec::with_capacity(certs.len());
    let mut undecodable = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen: Vec<(Vec<u8>, usize)> = Vec::new();
    for (i, der) in certs.iter().enumerate() {
        let h = sha2::Sha256::digest(der).to_vec();
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == h) {
            duplicates.push((i, *first));
            nodes.push(None);
            continue;
        }
        seen.push((h, i));
        let n = node(der, infos.get(i).and_then(Option::as_ref));
        if n.is_none() {
            undecodable.push(i);
        }
        nodes.push(n);
    }

    // parent[i] = (j, check) for the best issuer j of i.
    let mut parent: Vec<Option<(usize, SigCheck)>> = vec![None; nodes.len()];
    for (i, ni) in nodes.iter().enumerate() {
        let Some(ni) = ni else { continue };
        if ni.info.self_signed {
            continue;
        }
        let mut best: Option<(usize, SigCheck)> = None;
        for (j, nj) in nodes.iter().enumerate() {
            let Some(nj) = nj else { continue };
            if i == j || !may_issue(nj, ni) {
                continue;
            }
            let check = verify_signed_by(certs[i], &nj.spki);
            let better = match &best {
                None => true,
                Some((_, c)) => *c != SigCheck::Valid && check == SigCheck::Valid,
            };
            if better {
                best = Some((j, check));
            }
        }
        parent[i] = best;
    }
    let mut is_parent = vec![false; nodes.len()];
    for (j, _) in parent.iter().flatten() {
        is_parent[*j] = true;
    }
    let mut leaves: Vec<usize> = (0..nodes.len())
        .filter(|i| nodes[*i].is_some() && !is_parent[*i])
        .collect();
    // End-entity certificates first, then in input order.
    leaves.sort_by_key(|i| (nodes[*i].as_ref().is_some_and(|n| n.info.is_ca), *i));

    let mut chains = Vec::new();
    let mut covered = vec![false; nodes.len()];
    for leaf in leaves {
        chains.push(walk(leaf, &nodes, &parent, &mut covered));
    }
    // Cycles (cross-signed pairs) leave certificates that are everybody's parent: cover them.
    for i in 0..nodes.len() {
        if nodes[i].is_some() && !covered[i] {
            chains.push(walk(i, &nodes, &parent, &mut covered));
        }
    }
    ChainReport {
        chains,
        duplicates,
        undecodable,
    }
}

fn walk(
    start: usize,
    nodes: &[Option<Node>],
    parent: &[Option<(usize, SigCheck)>],
    covered: &mut [bool],
) -> Chain {
    let mut order = vec![start];
    let mut links = Vec::new();
    covered[start] = true;
    let mut cur = start;
    while let Some((p, check)) = &parent[cur] {
        if order.contains(p) {
            break;
        }
        links.push(check.clone());
        order.push(*p);
        covered[*p] = true;
        cur = *p;
    }
    let top = nodes[cur].as_ref();
    let has_root = top.is_some_and(|n| n.info.self_signed);
    let top_is_ca = top.is_some_and(|n| n.info.is_ca || n.info.self_signed);
    let (ca_slot, missing_issuer, advice) = if has_root {
        (
            Some(cur),
            None,
            "put the root (the last certificate) in the module's CA slot".to_string(),
        )
    } else {
        let missing = top.map(|n| n.info.issuer.clone());
        let slot = (top_is_ca && order.len() > 1).then_some(cur);
        let advice = match (&slot, &missing) {
            (Some(_), Some(m)) => format!(
                "the root is missing: find the root for \"{m}\" (atcert can look it up in the Mozilla root store); until then the topmost issuer present can go in the CA slot"
            ),
            (_, Some(m)) => format!(
                "this certificate's issuer \"{m}\" is not in the input: the CA slot needs that issuer's root"
            ),
            _ => "no usable certificate".to_string(),
        };
        (slot, missing, advice)
    };
    Chain {
        order,
        links,
        has_root,
        ca_slot,
        missing_issuer,
        advice,
    }
}
