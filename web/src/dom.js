// A small element builder: el('a', {href, text, class}, [children]). Attributes with
// null or undefined values are left out; text goes in as text, never as HTML.
export function el(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

// A titled card; BODY is appended. Returns the card.
export function card(title, body = [], attributes = {}) {
  return el('section', { class: 'card', ...attributes }, [el('h2', { text: title }), ...body]);
}
