//! The application core without HTTP: the rules both doors share, called directly, on
//! PostgreSQL and on SQLite.

#[path = "../common/mod.rs"]
mod common;

use notejam::domain::{NoteOrder, messages};
use notejam::service::{
    Note, NoteDraft, NotePatch, NoteQuery, NoteSummary, PadChoice, Precondition, Service,
    ServiceError, SignUp, VersionedNote,
};
use notejam::storage::User;

use common::Db;

const PASSWORD: &str = "correct horse battery";

async fn user(service: &Service, email: &str) -> User {
    let input = SignUp {
        email,
        password: PASSWORD,
        repeat: Some(PASSWORD),
    };
    service.sign_up(input).await.expect("signed up")
}

fn draft<'a>(name: &'a str, pad: PadChoice) -> NoteDraft<'a> {
    NoteDraft {
        name,
        text: "text",
        pad,
    }
}

/// The messages of one field of an `Invalid`.
/// Creates a note of `user` named `name` (with the text of [`draft`]).
async fn new_note(service: &Service, user: &User, name: &str, pad: PadChoice) -> VersionedNote {
    service.create_note(user, draft(name, pad)).await.unwrap()
}

fn field_errors(err: ServiceError, field: &str) -> Vec<String> {
    match err {
        ServiceError::Invalid(errors) => errors.into_map().remove(field).unwrap_or_default(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

async fn sign_up_and_sign_in_follow_the_rules(db: Db) {
    let (service, _db) = common::core(db).await;
    let mismatch = SignUp {
        email: "a@example.com",
        password: PASSWORD,
        repeat: Some("something else"),
    };
    let err = service.sign_up(mismatch).await.unwrap_err();
    assert_eq!(
        field_errors(err, "repeat_password"),
        [messages::PASSWORDS_DIFFER]
    );
    user(&service, "A@Example.com").await;
    let again = SignUp {
        email: "a@example.com",
        password: PASSWORD,
        repeat: None,
    };
    assert!(matches!(
        service.sign_up(again).await,
        Err(ServiceError::EmailTaken)
    ));
    let signed_in = service.sign_in(" a@EXAMPLE.com ", PASSWORD).await.unwrap();
    assert_eq!(signed_in.email, "a@example.com");
    let err = service.sign_in("a@example.com", "").await.unwrap_err();
    assert_eq!(field_errors(err, "password"), [messages::REQUIRED]);
}

async fn repeated_failures_throttle_the_email(db: Db) {
    let (service, _db) = common::core(db).await;
    user(&service, "t@example.com").await;
    for _ in 0..5 {
        let err = service
            .sign_in("t@example.com", "wrong password")
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::WrongCredentials), "{err:?}");
    }
    // Now even the right password is refused, through either door (tokens sign in too).
    let err = service
        .sign_in("t@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Throttled { .. }), "{err:?}");
    let err = service
        .issue_token("t@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Throttled { .. }), "{err:?}");
    // Another email is not affected.
    user(&service, "u@example.com").await;
    assert!(service.sign_in("u@example.com", PASSWORD).await.is_ok());
}

async fn someone_elses_pads_and_notes_are_not_found(db: Db) {
    let (service, _db) = common::core(db).await;
    let (owner, intruder) = (
        user(&service, "o@example.com").await,
        user(&service, "i@example.com").await,
    );
    let pad = service.create_pad(&owner, "Private").await.unwrap();
    let note = new_note(&service, &owner, "Secret", PadChoice::Pad(pad.id)).await;
    let id = note.note.id;
    let not_found = |r: Result<_, ServiceError>| matches!(r, Err(ServiceError::NotFound));
    assert!(not_found(service.pad(&intruder, pad.id).await.map(|_| ())));
    assert!(not_found(
        service
            .rename_pad(&intruder, pad.id, "", Precondition::Any)
            .await
            .map(|_| ())
    ));
    assert!(not_found(
        service
            .delete_pad(&intruder, pad.id, Precondition::Never)
            .await
    ));
    assert!(not_found(service.note(&intruder, id).await.map(|_| ())));
    let patch = NotePatch {
        name: Some(""),
        ..NotePatch::default()
    };
    assert!(not_found(
        service
            .patch_note(&intruder, id, patch, Precondition::Any)
            .await
            .map(|_| ())
    ));
    assert!(not_found(
        service
            .delete_note(&intruder, id, Precondition::Never)
            .await
            .map(|_| ())
    ));
    let query = NoteQuery {
        pad: Some(pad.id),
        order: NoteOrder::default(),
        page: 1,
        per_page: 50,
    };
    assert!(not_found(
        service.notes::<Note>(&intruder, query).await.map(|_| ())
    ));
    // The owner's pad is "not a valid choice" for anyone else's note.
    let err = service
        .create_note(&intruder, draft("x", PadChoice::Pad(pad.id)))
        .await
        .unwrap_err();
    assert_eq!(field_errors(err, "pad"), [messages::NOT_A_VALID_CHOICE]);
    assert_eq!(
        service.note(&owner, id).await.unwrap().version,
        note.version
    );
}

async fn conditional_writes_refuse_a_stale_version(db: Db) {
    let (service, _db) = common::core(db).await;
    let me = user(&service, "c@example.com").await;
    let note = new_note(&service, &me, "v1", PadChoice::NoPad).await;
    let id = note.note.id;
    let v1 = Precondition::Version(note.version);
    let v2 = service
        .replace_note(&me, id, draft("v2", PadChoice::NoPad), v1)
        .await
        .unwrap();
    assert_eq!(
        (v2.note.name.as_str(), v2.version),
        ("v2", note.version + 1)
    );
    let stale = service
        .replace_note(&me, id, draft("lost", PadChoice::NoPad), v1)
        .await;
    assert!(matches!(stale, Err(ServiceError::Stale)), "{stale:?}");
    assert!(matches!(
        service.delete_note(&me, id, Precondition::Never).await,
        Err(ServiceError::Stale)
    ));
    let patch = NotePatch {
        text: Some("new text"),
        ..NotePatch::default()
    };
    let v3 = service
        .patch_note(&me, id, patch, Precondition::Version(v2.version))
        .await
        .unwrap();
    assert_eq!(
        (v3.note.name.as_str(), v3.note.text.as_str()),
        ("v2", "new text")
    );
    service
        .delete_note(&me, id, Precondition::Version(v3.version))
        .await
        .unwrap();
    assert!(matches!(
        service.note(&me, id).await,
        Err(ServiceError::NotFound)
    ));
}

/// Fault 1 at the core: every concurrent write answers with its own row.
async fn concurrent_writes_each_return_their_own_row(db: Db) {
    let (service, _db) = common::core(db).await;
    let me = user(&service, "w@example.com").await;
    let id = new_note(&service, &me, "start", PadChoice::NoPad)
        .await
        .note
        .id;
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..60 {
        let (service, me) = (service.clone(), me.clone());
        writes.spawn(async move {
            let name = format!("writer {i}");
            let written = service
                .replace_note(&me, id, draft(&name, PadChoice::NoPad), Precondition::Any)
                .await;
            (name, written.expect("written"))
        });
    }
    let mut versions = std::collections::HashSet::new();
    for (name, written) in writes.join_all().await {
        assert_eq!(written.note.name, name);
        versions.insert(written.version);
    }
    assert_eq!(versions.len(), 60, "one version per write");
}

async fn lists_sort_page_and_count(db: Db) {
    let (service, _db) = common::core(db).await;
    let me = user(&service, "l@example.com").await;
    for name in ["b", "C", "a"] {
        new_note(&service, &me, name, PadChoice::NoPad).await;
    }
    let query = |order, page| NoteQuery {
        pad: None,
        order,
        page,
        per_page: 2,
    };
    let first = service
        .notes::<NoteSummary>(&me, query(NoteOrder::NameAsc, 1))
        .await
        .unwrap();
    let names: Vec<_> = first.notes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        (names, first.total, first.pages(), first.next_page()),
        (vec!["a", "b"], 3, 2, Some(2))
    );
    let newest = service
        .notes::<NoteSummary>(&me, query(NoteOrder::UpdatedDesc, 1))
        .await
        .unwrap();
    assert_eq!(newest.notes[0].name, "a");
    let last = service
        .notes::<Note>(&me, query(NoteOrder::NameDesc, 2))
        .await
        .unwrap();
    assert_eq!(
        (
            last.notes.len(),
            last.notes[0].name.as_str(),
            last.next_page()
        ),
        (1, "a", None)
    );
}

/// The note list and note pages read user, pads and rows in one statement: it answers as the
/// separate calls do, for every order, at and around a page's size, and for someone else's pad
/// or note, a stale session and a page too far to count.
async fn one_statement_pages_read_as_the_separate_calls(db: Db) {
    let (service, _db) = common::core(db).await;
    let me = user(&service, "p@example.com").await;
    let other = user(&service, "q@example.com").await;
    let fingerprint = notejam::passwords::fingerprint(&me.password_hash);
    let zeta = service.create_pad(&me, "Zeta").await.unwrap();
    service.create_pad(&me, "alpha").await.unwrap();
    let theirs = service.create_pad(&other, "Theirs").await.unwrap();
    let query = |pad, order, page| NoteQuery {
        pad,
        order,
        page,
        per_page: 2,
    };
    let orders = [
        NoteOrder::NameAsc,
        NoteOrder::NameDesc,
        NoteOrder::UpdatedAsc,
        NoteOrder::UpdatedDesc,
    ];
    // 0 to 5 notes: pages that are empty, short, exactly full, and full with more behind them.
    for (i, name) in ["n1", "N2", "n3", "n4", "n5"].iter().enumerate() {
        for pad in [None, Some(zeta.id)] {
            for order in orders {
                for page in 1..=4 {
                    let q = query(pad, order, page);
                    let found = service
                        .note_list_page(me.id, &fingerprint, q)
                        .await
                        .unwrap()
                        .expect("the session's user");
                    let separate = service.notes::<NoteSummary>(&me, q).await.unwrap();
                    let ids =
                        |notes: &[NoteSummary]| notes.iter().map(|n| n.id).collect::<Vec<_>>();
                    assert_eq!(
                        (ids(&found.content.notes), found.content.total),
                        (ids(&separate.notes), separate.total),
                        "{i} notes, pad {pad:?}, {order:?}, page {page}"
                    );
                    assert_eq!(found.content.pad.map(|p| p.pad.id), pad);
                    let pads: Vec<_> = found.pads.iter().map(|p| p.name.as_str()).collect();
                    assert_eq!(pads, ["alpha", "Zeta"]);
                    assert_eq!(found.user.id, me.id);
                }
            }
        }
        let pad = if i % 2 == 0 {
            PadChoice::Pad(zeta.id)
        } else {
            PadChoice::NoPad
        };
        new_note(&service, &me, name, pad).await;
    }
    let q = query(Some(theirs.id), NoteOrder::NameAsc, 1);
    assert!(matches!(
        service.note_list_page(me.id, &fingerprint, q).await,
        Err(ServiceError::NotFound)
    ));
    let far = query(None, NoteOrder::NameAsc, i64::MAX);
    assert!(matches!(
        service.note_list_page(me.id, &fingerprint, far).await,
        Err(ServiceError::NotFound)
    ));
    // A session signed in under another password, or of a user who is gone, names nobody.
    let q = query(None, NoteOrder::NameAsc, 1);
    for (id, fp) in [(me.id, "stale"), (i64::MAX, fingerprint.as_str())] {
        assert!(service.note_list_page(id, fp, q).await.unwrap().is_none());
        assert!(service.note_list_page(id, fp, far).await.unwrap().is_none());
        assert!(service.note_page(id, fp, 1).await.unwrap().is_none());
    }

    let mine = new_note(&service, &me, "mine", PadChoice::Pad(zeta.id)).await;
    let found = service
        .note_page(me.id, &fingerprint, mine.note.id)
        .await
        .unwrap()
        .expect("the session's user");
    let separate = service.note(&me, mine.note.id).await.unwrap();
    assert_eq!(format!("{:?}", found.content), format!("{separate:?}"));
    assert_eq!(found.pads.len(), 2);
    let their_note = new_note(&service, &other, "theirs", PadChoice::NoPad).await;
    assert!(matches!(
        service
            .note_page(me.id, &fingerprint, their_note.note.id)
            .await,
        Err(ServiceError::NotFound)
    ));
}

both_databases!(
    db: sign_up_and_sign_in_follow_the_rules,
    repeated_failures_throttle_the_email,
    someone_elses_pads_and_notes_are_not_found,
    conditional_writes_refuse_a_stale_version,
    concurrent_writes_each_return_their_own_row,
    lists_sort_page_and_count,
    one_statement_pages_read_as_the_separate_calls,
);
