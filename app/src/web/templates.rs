//! The handlebars templates, compiled into the binary and once at start.

use handlebars::{Context, Handlebars, handlebars_helper};
use rust_embed::RustEmbed;
use serde_json::Value;

use crate::error::AppError;
use crate::web::static_files::versioned_url;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

/// The compiled templates.
pub struct Templates {
    registry: Handlebars<'static>,
}

handlebars_helper!(static_url: |path: str| versioned_url(path));

impl Templates {
    /// Compiles every template; a broken template fails at start, not on a request.
    pub fn load() -> anyhow::Result<Self> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(false);
        registry.set_dev_mode(false);
        registry.register_helper("static", Box::new(static_url));
        registry.register_escape_fn(escape_html);
        for name in TemplateFiles::iter() {
            let file = TemplateFiles::get(&name).expect("listed by iter");
            let source = std::str::from_utf8(&file.data)?;
            let tpl_name = name.strip_suffix(".hbs").unwrap_or(&name);
            registry.register_template_string(tpl_name, source)?;
        }
        Ok(Self { registry })
    }

    /// Renders a template that stands alone (the error page).
    pub fn render(&self, name: &str, data: &impl serde::Serialize) -> Result<String, AppError> {
        let data = serde_json::to_value(data).map_err(|e| AppError::Internal(e.into()))?;
        self.render_in(name, &Context::from(data))
    }

    /// Renders a page's content template, then the layout around it: both from the same context,
    /// the content as `{{{content}}}`.
    ///
    /// Owning the context matters for speed: `Handlebars::render(&data)` serialises the data into
    /// a new JSON tree, and a `{{#> layout}}` block partial merges (copies) the context again and
    /// copies every list an `#if`/`#each` inside it reads. Measured with callgrind on `GET /` with
    /// 50 notes, those copies and their frees were over half of the request's instructions.
    pub fn render_page(&self, name: &str, data: Value) -> Result<String, AppError> {
        let mut context = Context::from(data);
        let content = self.render_in(name, &context)?;
        if let Value::Object(map) = context.data_mut() {
            map.insert("content".to_owned(), Value::String(content));
        }
        self.render_in("layout", &context)
    }

    fn render_in(&self, name: &str, context: &Context) -> Result<String, AppError> {
        self.registry
            .render_with_context(name, context)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("template {name}: {e}")))
    }
}

/// Escapes text for HTML text and quoted attribute values: `& < > " '`, with `html-escape`.
/// (Handlebars' default also escapes `=`, which turns every `?order=name` link into
/// `?order&#x3D;name`.)
pub fn escape_html(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// Appends `text` to `out`, escaped as [`escape_html`] does.
pub fn push_escaped(out: &mut String, text: &str) {
    html_escape::encode_quoted_attribute_to_string(text, out);
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_the_five() {
        assert_eq!(
            escape_html(r#"<a href="x" onclick='y'>&</a>?order=name"#),
            "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;?order=name"
        );
        assert_eq!(escape_html("plain é text"), "plain é text");
    }
}
