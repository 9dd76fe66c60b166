//! Builds `test` blocks (example contacts and expectations) from pest's parse tree: the same
//! builder as journeys, so a test's tokens are read (and their mistakes reported) the same way.

use super::ast::*;
use super::build::Builder;
use super::parser::Rule as R;
use crate::span::Spanned;
use pest::iterators::Pair;

type P<'i> = Pair<'i, R>;

impl Builder {
    pub(super) fn test(&mut self, p: P) -> Test {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let keyword = self.span(&inner.next().expect("test"));
        let name = self.name(inner.next().expect("name"));
        let _of = inner.next();
        let journey = self.name(inner.next().expect("journey name"));
        let mut items = Vec::new();
        let mut close_brace = span;
        for c in inner {
            match c.as_rule() {
                R::lbrace => {}
                R::rbrace => close_brace = self.span(&c),
                _ => items.push(self.test_item(c)),
            }
        }
        Test {
            name,
            journey,
            items,
            span,
            keyword,
            close_brace,
        }
    }

    fn test_item(&mut self, p: P) -> TestItem {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut inner = p.into_inner();
        let keyword = self.span(&inner.next().expect("keyword"));
        let kind = match rule {
            R::test_start => TestItemKind::Start(self.time_point(inner.next().expect("time"))),
            R::test_contact => {
                let id = self.string(inner.next().expect("contact id"));
                let mut activities = Vec::new();
                let mut close_brace = span;
                for c in inner {
                    match c.as_rule() {
                        R::test_activity => activities.push(self.test_activity(c)),
                        R::rbrace => close_brace = self.span(&c),
                        _ => {}
                    }
                }
                TestItemKind::Contact(TestContact {
                    id,
                    activities,
                    close_brace,
                })
            }
            R::expect => TestItemKind::Expect(self.expectation(inner.next().expect("expect"))),
            other => unreachable!("test item {other:?}"),
        };
        TestItem {
            kind,
            span,
            keyword,
        }
    }

    fn test_activity(&mut self, p: P) -> TestActivity {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let _at = inner.next();
        let at = self.moment(inner.next().expect("moment"));
        let k = inner.next().expect("rule kind");
        let rule_span = self.span(&k);
        let kind = self.rule_kind(k);
        let mut fields = Vec::new();
        if let Some(f) = inner.next() {
            for field in f.into_inner().filter(|c| c.as_rule() == R::field) {
                let mut parts = field.into_inner();
                let column = self.text(parts.next().expect("column"));
                let value = self.literal(parts.next().expect("literal"));
                fields.push((column, value));
            }
        }
        TestActivity {
            at,
            rule: Rule {
                kind,
                filter: None,
                span: rule_span,
            },
            fields,
            span,
        }
    }

    fn moment(&mut self, p: P) -> Spanned<Moment> {
        let span = self.span(&p);
        let m = p.into_inner().next().expect("offset or time");
        let moment = match m.as_rule() {
            R::offset => {
                let d = self.duration(m.into_inner().next().expect("duration"));
                Moment::After(d.node)
            }
            _ => Moment::At(self.time_point(m).node),
        };
        Spanned::new(moment, span)
    }

    fn expectation(&mut self, p: P) -> Expectation {
        match p.as_rule() {
            R::expect_counts => Expectation::Counts(
                p.into_inner()
                    .filter(|c| c.as_rule() == R::integer)
                    .map(|c| self.integer(c))
                    .collect(),
            ),
            _ => {
                let mut inner = p.into_inner();
                let contact = self.string(inner.next().expect("contact"));
                let _reaches = inner.next();
                let target = inner.next().expect("stage");
                let stage = (target.as_rule() == R::stage_ref).then(|| self.stage_ref(target));
                let at = inner
                    .find(|c| c.as_rule() == R::moment)
                    .map(|m| self.moment(m));
                Expectation::Reaches { contact, stage, at }
            }
        }
    }
}
