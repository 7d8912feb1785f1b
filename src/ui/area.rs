//! The areas a user moves between, and their URL fragments. Plain data: no signals here.

/// One of the page's top-level areas, each with its own URL fragment (`#/certificates`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Area {
    Certificates,
    Provision,
    Console,
    Help,
}

impl Area {
    /// In navigation order.
    pub const ALL: [Self; 4] = [
        Self::Certificates,
        Self::Provision,
        Self::Console,
        Self::Help,
    ];

    pub const fn slug(self) -> &'static str {
        match self {
            Self::Certificates => "certificates",
            Self::Provision => "provision",
            Self::Console => "console",
            Self::Help => "help",
        }
    }

    pub const fn title(self) -> &'static str {
        match self {
            Self::Certificates => "Certificates",
            Self::Provision => "Provision",
            Self::Console => "Console",
            Self::Help => "Help",
        }
    }

    /// The fragment this area lives at, with its `#`.
    pub fn href(self) -> String {
        format!("#/{}", self.slug())
    }

    /// The area a location fragment names. An empty or unknown fragment opens
    /// Certificates, the one area that is useful before a module is connected.
    pub fn from_fragment(fragment: &str) -> Self {
        let slug = fragment.trim_start_matches('#').trim_start_matches('/');
        let slug = slug.split(['/', '?']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|area| area.slug().eq_ignore_ascii_case(slug))
            .unwrap_or(Self::Certificates)
    }
}
