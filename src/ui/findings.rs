//! One finding of the module check, in plain words: what the module would do, what atcert
//! did about it or what the user must do; the reason and its public source behind "Why?".

use leptos::prelude::*;

use crate::app::words::plain;
use crate::cert::lint::{Finding, Severity};
use crate::modules::sources;

/// A finding as a list item. `module` names the module ("SIMCom SIM7600").
#[component]
pub fn FindingItem(finding: Finding, module: &'static str) -> impl IntoView {
    // A problem atcert already fixed is not an error for the user.
    let (class, label) = match (finding.severity, finding.fix.is_some()) {
        (_, true) => ("finding fixed", "Fixed"),
        (Severity::Error, false) => ("finding error", "Would be rejected"),
        (Severity::Warning, false) => ("finding warning", "Check"),
        (Severity::Info, false) => ("finding info", "Note"),
    };
    let said = plain(&format!("{module} would {}.", finding.module_would));
    let fix = finding
        .fix
        .map(|fix| view! { <span class="fix">{format!(" atcert did: {}.", plain(&fix))}</span> });
    let todo = finding
        .user_action
        .map(|a| view! { <span class="todo">{format!(" To do: {}", plain(&a))}</span> });
    let reason = sources::plain_reason(&finding.why);
    let documents = sources::lookup(&finding.why);
    let why = (!reason.is_empty() || !documents.is_empty()).then(|| {
        let has_documents = !documents.is_empty();
        let list = documents
            .into_iter()
            .map(|d| {
                let text = if d.section.is_empty() {
                    d.title.to_owned()
                } else {
                    format!("{}, {}", d.title, d.section)
                };
                match d.link {
                    Some(href) => view! { <li><a href=href target="_blank" rel="noopener noreferrer">{text}</a></li> }.into_any(),
                    None => view! { <li>{text}</li> }.into_any(),
                }
            })
            .collect_view();
        view! {
            <details class="why">
                <summary>"Why?"</summary>
                {(!reason.is_empty()).then(|| view! { <p>{plain(&reason)}</p> })}
                {has_documents.then(|| view! {
                    <p class="sources-head">"Public source:"</p>
                    <ul class="sources">{list}</ul>
                })}
            </details>
        }
    });
    view! {
        <li class=class>
            <strong>{label}": "</strong>
            {said}
            {fix}
            {todo}
            {why}
        </li>
    }
}
