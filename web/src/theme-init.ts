// Applies the saved theme before React renders. It lives here, not inline in
// index.html, because the Content-Security-Policy allows no inline script.
try {
  let t = localStorage.getItem('tinomail.theme');
  if (!t) t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.dataset.theme = t;
} catch {
  // private mode without storage: the CSS default stays
}
