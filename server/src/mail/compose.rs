//! Turns what the outbox holds into the email that is sent: a plain text part, the same text as
//! HTML, and the attachments.
//!
//! Policy: the text is the source; the HTML part is made from it (escaped, paragraphs, links made
//! clickable), so the two never say different things and nothing a person typed reaches HTML
//! unescaped. Headers are single lines whatever the database holds (inputs refuse line breaks
//! there already; this is the second wall).
use contract::validate::flatten_line;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// An email before it is MIME.
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<File>,
}

pub struct File {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ComposeError(pub String);

pub fn message(from: &Mailbox, letter: Letter) -> Result<Message, ComposeError> {
    let to: Mailbox = flatten_line(&letter.to)
        .trim()
        .parse()
        .map_err(|err| ComposeError(format!("the address {:?} cannot be mailed: {err}", letter.to)))?;
    let subject = flatten_line(&letter.subject);
    let body = MultiPart::alternative_plain_html(letter.text.clone(), html(&subject, &letter.text));
    let builder = Message::builder().from(from.clone()).to(to).subject(subject);
    let built = if letter.attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for file in letter.attachments {
            let content_type = ContentType::parse(file.content_type).map_err(|err| ComposeError(err.to_string()))?;
            mixed = mixed.singlepart(attachment(file.name, content_type, file.bytes));
        }
        builder.multipart(mixed)
    };
    built.map_err(|err| ComposeError(err.to_string()))
}

fn attachment(name: String, content_type: ContentType, bytes: Vec<u8>) -> SinglePart {
    Attachment::new(name).body(bytes, content_type)
}

/// The text as a small HTML document: blank lines part paragraphs, URLs become links.
fn html(subject: &str, text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", paragraph.lines().map(linked).collect::<Vec<_>>().join("<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111;max-width:36em\">\n{}\n</body></html>",
        app::document::escape_html(subject),
        paragraphs.join("\n")
    )
}

/// One line, escaped, with its http(s) URLs as links.
fn linked(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            let escaped = app::document::escape_html(word);
            if word.starts_with("https://") || word.starts_with("http://") {
                format!("<a href=\"{escaped}\">{escaped}</a>")
            } else {
                escaped
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_people_typed_and_links_urls() {
        let html = html("Tickets", "Hello <b>Ada</b> & co,\n\nYour tickets: https://tickets.example/o/abc\nsee you");
        assert!(html.contains("<p>Hello &lt;b&gt;Ada&lt;/b&gt; &amp; co,</p>"), "{html}");
        assert!(html.contains("<a href=\"https://tickets.example/o/abc\">https://tickets.example/o/abc</a><br>\nsee you"), "{html}");
    }

    #[test]
    fn an_address_that_cannot_be_mailed_is_refused_not_sent() {
        let from: Mailbox = "Stampede <tickets@example.com>".parse().unwrap();
        let letter = Letter { to: "not an address".into(), subject: "Hi".into(), text: "Hi".into(), attachments: vec![] };
        assert!(message(&from, letter).is_err());
        let letter = Letter { to: "ada@example.com".into(), subject: "Hi\r\nBcc: x@y".into(), text: "Hi".into(), attachments: vec![] };
        let formatted = String::from_utf8(message(&from, letter).unwrap().formatted()).unwrap();
        let headers = formatted.split("\r\n\r\n").next().unwrap();
        assert!(headers.contains("Subject: Hi  Bcc: x@y\r\n") && !formatted.contains("\r\nBcc:"), "{formatted}");
    }
}
