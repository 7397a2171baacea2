// Strings in English and Chinese (i18n.json); the choice is kept in localStorage.
import messages from './i18n.json';

let lang = localStorage.getItem('livechain.lang') || (navigator.language.startsWith('zh') ? 'zh' : 'en');
if (!messages[lang]) lang = 'en';

export function language() {
  return lang;
}

export function setLanguage(next) {
  lang = messages[next] ? next : 'en';
  localStorage.setItem('livechain.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

// The message KEY with {name} placeholders filled from VALUES; the key itself when missing.
export function t(key, values = {}) {
  const text = messages[lang][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

// The BCP 47 locale of the page's language, for dates and numbers.
export function locale() {
  return lang === 'zh' ? 'zh-CN' : 'en-US';
}

// Numbers in the page's language; null and undefined are "no data", never 0.
export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return t('no_data');
  return new Intl.NumberFormat(locale(), {
    maximumFractionDigits: digits,
  }).format(value);
}

// Fills every [data-i18n] element under ROOT with its message.
export function translate(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
}
