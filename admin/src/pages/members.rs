//! The Members page: who belongs to the current organisation and with which role, and who has
//! been invited. Owners only; the origin refuses everyone else, and this page says so instead of
//! showing controls that would fail. Inviting answers the same for any address; the invited
//! person becomes a member when they accept the emailed link, and until then the invitation is
//! listed here, where it can be revoked.
use crate::api;
use crate::format;
use crate::forms::{delete, post, upsert, FormBanner, FormState, Input, Select};
use crate::pages::{load_failed, loading, Column, DataTable, Notice};
use crate::session::{role_label, use_session};
use app::admin::{Invitation, Member, MemberInput, Role, RoleInput};
use leptos::prelude::*;
use leptos::task::spawn_local;

const ROLES: [Role; 3] = [Role::Viewer, Role::Admin, Role::Owner];
const ROLE_CHOICES: [(&str, &str); 3] = [("viewer", "Viewer"), ("admin", "Admin"), ("owner", "Owner")];
const COLUMNS: &[Column] = &[("Name", false), ("Email", false), ("Role", false)];
const INVITATION_COLUMNS: &[Column] = &[("Email", false), ("Role", false), ("Invited by", false), ("Open until", false)];

#[component]
pub fn MembersPage() -> impl IntoView {
    let session = use_session();
    let current = Memo::new(move |_| session.current());
    view! {
        <section class="panel">
            <h1>"Members"</h1>
            {move || match current.get() {
                None => view! { <p class="empty">"You are not a member of any organisation yet."</p> }.into_any(),
                Some(m) if m.role != Role::Owner => view! {
                    <p class="empty">{format!("Only owners of {} can manage its members.", m.organisation_name)}</p>
                }
                .into_any(),
                Some(m) => view! { <Members org=m.organisation_id name=m.organisation_name /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Members(org: i64, name: String) -> impl IntoView {
    let members = RwSignal::new(None::<Result<Vec<Member>, api::Failure>>);
    spawn_local(async move {
        members.try_set(Some(api::get::<Vec<Member>>(&format!("/organisations/{org}/members")).await));
    });
    let list_form = FormState::new();
    let notice = RwSignal::new(None::<String>);
    let replace = move |member: Member| {
        members.update(|list| {
            if let Some(Ok(list)) = list {
                match list.iter_mut().find(|m| m.user_id == member.user_id) {
                    Some(existing) => *existing = member,
                    None => list.push(member),
                }
            }
        })
    };

    let change_role = move |member: Member, role: String| {
        list_form.start();
        notice.set(None);
        spawn_local(async move {
            match api::put::<_, Member>(&format!("/organisations/{org}/members/{}", member.user_id), &RoleInput { role }).await {
                Ok(updated) => {
                    notice.set(Some(format!("{} is now {}.", updated.name, role_label(updated.role).to_lowercase())));
                    replace(updated);
                }
                Err(failure) => {
                    list_form.fail(&failure, &[]);
                    // Redraw the row so its select shows the role the origin kept.
                    replace(member);
                }
            }
        });
    };
    let remove = move |member: Member| {
        notice.set(None);
        delete(list_form, format!("/organisations/{org}/members/{}", member.user_id), move || {
            members.update(|list| {
                if let Some(Ok(list)) = list {
                    list.retain(|m| m.user_id != member.user_id);
                }
            });
            notice.set(Some(format!("Removed {}.", member.name)));
        });
    };

    let table = move || {
        match members.get() {
        None => loading(),
        Some(Err(failure)) => load_failed(&failure),
        Some(Ok(list)) => view! {
            <DataTable columns=COLUMNS actions=true>
                        {list
                            .into_iter()
                            .map(|m| {
                                let select_id = format!("member-role-{}", m.user_id);
                                let (access_label, remove_label) = (format!("Access for {}", m.name), format!("Remove {}", m.name));
                                let (for_change, for_remove) = (m.clone(), m.clone());
                                view! {
                                    <tr>
                                        <td>{m.name.clone()}</td>
                                        <td>{m.email.clone()}</td>
                                        <td>
                                            <select
                                                id=select_id
                                                aria-label=access_label
                                                on:change=move |ev| change_role(for_change.clone(), event_target_value(&ev))
                                            >
                                                {ROLES.iter().map(|r| view! { <option value=r.as_str() prop:selected=*r == m.role>{role_label(*r)}</option> }).collect_view()}
                                            </select>
                                        </td>
                                        <td class="row-actions" aria-label="Actions">
                                            <button type="button" class="danger small" aria-label=remove_label
                                                on:click=move |_| remove(for_remove.clone())>"Remove"</button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
            </DataTable>
        }
        .into_any(),
    }
    };

    let invitations = RwSignal::new(None::<Result<Vec<Invitation>, api::Failure>>);
    spawn_local(async move {
        invitations.try_set(Some(api::get::<Vec<Invitation>>(&format!("/organisations/{org}/invitations")).await));
    });
    let revoke = move |invitation: Invitation| {
        notice.set(None);
        delete(list_form, format!("/organisations/{org}/invitations/{}", invitation.id), move || {
            invitations.update(|list| {
                if let Some(Ok(list)) = list {
                    list.retain(|i| i.id != invitation.id);
                }
            });
            notice.set(Some(format!("Revoked the invitation of {}: its link no longer works.", invitation.email)));
        });
    };
    let pending = move || match invitations.get() {
        None => loading(),
        Some(Err(failure)) => load_failed(&failure),
        Some(Ok(list)) if list.is_empty() => view! { <p class="empty">"No invitations waiting for an answer."</p> }.into_any(),
        Some(Ok(list)) => view! {
            <DataTable columns=INVITATION_COLUMNS actions=true>
                {list
                    .into_iter()
                    .map(|i| {
                        let revoke_label = format!("Revoke the invitation of {}", i.email);
                        let for_revoke = i.clone();
                        view! {
                            <tr>
                                <td>{i.email.clone()}</td>
                                <td>{role_label(i.role)}</td>
                                <td>{i.invited_by.clone()}</td>
                                <td>{format::date_time(i.expires_at)}</td>
                                <td class="row-actions" aria-label="Actions">
                                    <button type="button" class="danger small" aria-label=revoke_label
                                        on:click=move |_| revoke(for_revoke.clone())>"Revoke"</button>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        }
        .into_any(),
    };

    let form = FormState::new();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Admin.as_str().to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        notice.set(None);
        let input = MemberInput { email: email.get_untracked().trim().to_string(), role: role.get_untracked() };
        form.check("email", app::validate::email(&input.email));
        if !form.has_errors() {
            post(form, format!("/organisations/{org}/invitations"), input, &["email", "role"], move |invitation: Invitation| {
                email.set(String::new());
                notice.set(Some(format!(
                    "Invitation sent to {} as {}. They become a member when they accept it.",
                    invitation.email,
                    role_label(invitation.role).to_lowercase()
                )));
                invitations.update(|list| {
                    if let Some(Ok(list)) = list {
                        upsert(list, invitation, |i| i.id);
                    }
                });
            });
        }
    };

    view! {
        <p class="muted">{format!("Who can work on the events of {name}. Viewers read everything; admins run events; owners also manage members.")}</p>
        <FormBanner form=list_form />
        <Notice message=notice />
        {table}
        <h2>"Invitations"</h2>
        {pending}
        <form class="subform" on:submit=submit novalidate>
            <h2>"Invite a member"</h2>
            <p class="hint">"We email them a link. They become a member when they accept; with no account yet, they create one through the link."</p>
            <FormBanner form />
            <div class="form-grid">
                <Input form id="member-email" name="email" label="Email" kind="email" value=email autocomplete="off" required=true />
                <Select form id="member-role" name="role" label="Role" value=role choices=&ROLE_CHOICES />
            </div>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || form.busy.get()>"Send invitation"</button>
            </div>
        </form>
    }
}
