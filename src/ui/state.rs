//! The state the user makes, held above the areas so it survives navigation: the loaded
//! set and its derived facts, the credential choice and its preparation, the running job
//! and the last outcome, the test-connection form and the demo family. The logic is in
//! `crate::app`; this file only puts it in signals.

use leptos::prelude::*;

use super::port::{PortHub, PortState};
use super::site::Site;
use crate::app::credentials::{Choice, Prepared, prepare};
use crate::app::demo::DEMO_HOST;
use crate::app::job::Board;
use crate::app::loaded::{Facts, LoadedSet};
use crate::modules::Family;
use crate::session::CancelToken;

pub fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Everything loaded in the page, shared by Certificates and Provision. Memory only.
#[derive(Clone, Copy)]
pub struct CertStore {
    pub loaded: RwSignal<LoadedSet, LocalStorage>,
    /// Which key fits which certificate, recomputed once per change of the whole set.
    pub facts: Memo<Facts>,
}

impl CertStore {
    pub fn new() -> Self {
        let loaded = RwSignal::new_local(LoadedSet::default());
        let facts = Memo::new(move |_| loaded.with(|set| set.facts(now_unix())));
        Self { loaded, facts }
    }

    /// Reads `bytes` and adds them under `name`; returns the entry's id.
    pub fn add(self, name: &str, bytes: Vec<u8>) -> u64 {
        self.loaded
            .try_update(|set| set.add(name, bytes))
            .unwrap_or_default()
    }
}

impl Default for CertStore {
    fn default() -> Self {
        Self::new()
    }
}

/// The Provision area's choices and form, and the page's one job.
#[derive(Clone, Copy)]
pub struct AppState {
    pub store: CertStore,
    pub family: RwSignal<Option<Family>>,
    pub ca: RwSignal<Option<u64>>,
    pub cert: RwSignal<Option<u64>>,
    pub key: RwSignal<Option<u64>>,
    /// The chosen credentials prepared for the chosen family: once per change.
    pub prepared: Memo<Prepared>,
    pub host: RwSignal<String>,
    pub port: RwSignal<String>,
    pub request: RwSignal<String>,
    pub apn: RwSignal<String>,
    pub endpoint: RwSignal<Option<usize>>,
    pub expect: RwSignal<Option<String>>,
    pub board: RwSignal<Board, LocalStorage>,
    pub cancel: StoredValue<Option<CancelToken>, LocalStorage>,
    /// The family "Try without hardware" starts, and whether the user picked it.
    pub demo_family: RwSignal<Family>,
    pub demo_picked: RwSignal<bool>,
    /// Certificates' "Check against module".
    pub check_family: RwSignal<Option<Family>>,
    pub site: Site,
}

impl AppState {
    pub fn new(store: CertStore, hub: &PortHub, site: Site) -> Self {
        let family = RwSignal::new(None::<Family>);
        let (ca, cert, key) = (
            RwSignal::new(None),
            RwSignal::new(None),
            RwSignal::new(None),
        );
        let loaded = store.loaded;
        let prepared = Memo::new(move |_| {
            let choice = Choice {
                family: family.get(),
                ca: ca.get(),
                cert: cert.get(),
                key: key.get(),
            };
            loaded.with(|set| prepare(set, choice, now_unix()))
        });
        let state = Self {
            store,
            family,
            ca,
            cert,
            key,
            prepared,
            host: RwSignal::new("example.com".to_owned()),
            port: RwSignal::new("443".to_owned()),
            request: RwSignal::new(String::new()),
            apn: RwSignal::new(String::new()),
            endpoint: RwSignal::new(None),
            expect: RwSignal::new(None),
            board: RwSignal::new_local(Board::default()),
            cancel: StoredValue::new_local(None),
            demo_family: RwSignal::new(Family::Sim7600),
            demo_picked: RwSignal::new(false),
            check_family: RwSignal::new(None),
            site,
        };
        state.follow(hub, site);
        state
    }

    /// Keeps the form in step with the site profile and demo mode. Page-wide effects: they
    /// run once per change, not once per visit to an area.
    fn follow(self, hub: &PortHub, site: Site) {
        // The site's CA is the one to provision, until the user picks another.
        Effect::new(move || {
            if let Some(preloaded) = site.preloaded_ca.get()
                && self.ca.get_untracked().is_none()
            {
                self.ca.set(Some(preloaded));
            }
        });
        Effect::new(move || {
            site.state.track();
            if let Some(default_apn) = site.with(|p| p.apn.clone()).flatten() {
                self.apn.set(default_apn);
            }
            if !self.endpoints().is_empty() && self.endpoint.get_untracked().is_none() {
                self.use_endpoint(Some(0));
            }
            if let Some(first) = site.with(|p| p.families.first().copied()).flatten()
                && !self.demo_picked.get_untracked()
            {
                self.demo_family.set(first);
            }
        });
        // Demo mode knows its family; its simulated server answers as the demo host.
        let state = hub.state;
        Effect::new(move |was_demo: Option<bool>| {
            let demo = match state.get() {
                PortState::Demo { family } => Some(family),
                _ => None,
            };
            if let Some(demo) = demo
                && was_demo != Some(true)
            {
                self.family.set(Some(demo));
                self.host.set(DEMO_HOST.into());
                self.port.set("443".into());
                self.request.set(String::new());
                self.endpoint.set(None);
                self.expect.set(None);
            }
            demo.is_some()
        });
    }

    pub fn endpoints(self) -> Vec<crate::profile::TestEndpoint> {
        self.site
            .with(|p| p.test_endpoints.clone())
            .unwrap_or_default()
    }

    /// A test endpoint fills host, port, request and the expected answer.
    pub fn use_endpoint(self, index: Option<usize>) {
        self.endpoint.set(index);
        match index.and_then(|i| self.endpoints().get(i).cloned()) {
            Some(e) => {
                self.host.set(e.host);
                self.port.set(e.port.to_string());
                self.request
                    .set(e.request.unwrap_or_default().replace("\r\n", "\\r\\n"));
                self.expect.set(e.expect);
            }
            None => self.expect.set(None),
        }
    }

    /// The family "Try without hardware" starts: the one its picker shows.
    pub fn demo_choice(self, offered: &[Family]) -> Family {
        let chosen = self.demo_family.get();
        if offered.contains(&chosen) || offered.is_empty() {
            chosen
        } else {
            offered[0]
        }
    }
}

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
