//! The tickets of an order as one PDF: an A4 page per ticket with its QR code, the attendee, the
//! ticket type, the event, the venue and the time in the event's time zone.
//!
//! Policy: the PDF uses the standard Helvetica faces, which every PDF reader has, so nothing is
//! embedded and a page stays a few kilobytes; their WinAnsi encoding covers the Latin scripts
//! (accents, €, dashes and quotes), and any other character prints as "?" (the order page and the
//! email show names in full). The QR code is drawn as vector rectangles, one per run of dark
//! modules, so it prints crisp at any size.
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};

/// One page's worth.
pub struct TicketPage<'a> {
    pub event_title: &'a str,
    /// "Sat 1 Jun 2030, 20:00–23:30 (Europe/Amsterdam)"
    pub when: &'a str,
    pub venue: &'a str,
    pub ticket_type: &'a str,
    pub attendee: &'a str,
    pub code: &'a str,
    pub order_reference: &'a str,
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const QR_SIZE: f32 = 220.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

pub fn tickets(title: &str, pages: &[TicketPage<'_>]) -> anyhow::Result<Vec<u8>> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (regular, bold) = (Ref::new(3), Ref::new(4));
    let info = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..pages.len() as i32).map(|i| Ref::new(first_page + 2 * i)).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(TextStr(title)).producer(TextStr("Stampede"));

    for (ticket, &page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        page.finish();
        let content = ticket_content(ticket)?;
        pdf.stream(content_id, &content);
    }
    Ok(pdf.finish())
}

fn ticket_content(ticket: &TicketPage<'_>) -> anyhow::Result<Vec<u8>> {
    let mut content = Content::new();
    let mut y = PAGE_HEIGHT - MARGIN - 24.0;
    let mut line = |content: &mut Content, font: Name<'_>, size: f32, text: &str, gap: f32| {
        content.begin_text();
        content.set_font(font, size);
        content.next_line(MARGIN, y);
        content.show(Str(&win_ansi(text)));
        content.end_text();
        y -= size + gap;
    };
    line(&mut content, BOLD, 24.0, ticket.event_title, 10.0);
    line(&mut content, REGULAR, 13.0, ticket.when, 6.0);
    line(&mut content, REGULAR, 13.0, ticket.venue, 28.0);
    line(&mut content, BOLD, 18.0, ticket.ticket_type, 8.0);
    line(&mut content, REGULAR, 15.0, ticket.attendee, 24.0);

    // The code, under its QR code, as door staff may type it.
    let qr_top = y;
    draw_qr(&mut content, ticket.code, MARGIN, qr_top - QR_SIZE, QR_SIZE)?;
    let mut y = qr_top - QR_SIZE - 22.0;
    let under_qr: [(Name<'_>, f32, String); 2] =
        [(BOLD, 14.0, format!("Ticket {}", ticket.code)), (REGULAR, 11.0, format!("Order {}", ticket.order_reference))];
    for (font, size, text) in under_qr {
        content.begin_text();
        content.set_font(font, size);
        content.next_line(MARGIN, y);
        content.show(Str(&win_ansi(&text)));
        content.end_text();
        y -= size + 6.0;
    }
    content.begin_text();
    content.set_font(REGULAR, 10.0);
    content.next_line(MARGIN, MARGIN);
    content.show(Str(&win_ansi("Show this page, printed or on your phone, at the door. Each ticket lets one person in, once.")));
    content.end_text();
    Ok(content.finish().to_vec())
}

/// The QR code of `code` in a `size` square whose lower left corner is (`x`, `y`), with the
/// quiet zone the standard asks for inside it.
fn draw_qr(content: &mut Content, code: &str, x: f32, y: f32, size: f32) -> anyhow::Result<()> {
    let qr = QrCode::with_error_correction_level(code.as_bytes(), EcLevel::M)?;
    let width = qr.width();
    let colors = qr.to_colors();
    let quiet = 4;
    let module = size / (width + 2 * quiet) as f32;
    content.set_fill_gray(0.0);
    for row in 0..width {
        let mut column = 0;
        while column < width {
            if colors[row * width + column] != Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && colors[row * width + column] == Color::Dark {
                column += 1;
            }
            let left = x + (start + quiet) as f32 * module;
            let bottom = y + size - (row + quiet + 1) as f32 * module;
            content.rect(left, bottom, (column - start) as f32 * module, module);
        }
    }
    content.fill_nonzero();
    Ok(())
}

/// Text in the standard fonts' WinAnsi encoding; what it cannot show becomes "?".
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            'Š' => 0x8a,
            'š' => 0x9a,
            'Œ' => 0x8c,
            'œ' => 0x9c,
            'Ž' => 0x8e,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_keeps_latin_text_and_marks_the_rest() {
        assert_eq!(win_ansi("Zoë – €25"), b"Zo\xeb \x96 \x8025".to_vec());
        assert_eq!(win_ansi("李 (Li)"), b"? (Li)".to_vec());
        assert_eq!(win_ansi("a\nb"), b"ab".to_vec(), "no control characters reach a text operator");
    }

    #[test]
    fn a_page_per_ticket() {
        let page = |attendee| TicketPage {
            event_title: "Summer Jam",
            when: "Sat 1 Jun 2030, 20:00–23:30 (Europe/Amsterdam)",
            venue: "Paradiso",
            ticket_type: "Standing",
            attendee,
            code: "ABCDEFGHJKMNPQRSTVWX",
            order_reference: "ABC123",
        };
        let pdf = tickets("Tickets", &[page("Ada"), page("Grace")]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert_eq!(pages, 2, "{text}");
    }
}
