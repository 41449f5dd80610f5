// The console's behaviour. No inline scripts anywhere (the CSP refuses them): htmx
// requests get the session's CSRF token as a header, fresh rows fade in, and after a
// card is swapped in place the keyboard focus goes to it instead of being lost.
;(() => {
  const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? ''

  document.addEventListener('htmx:configRequest', (event) => {
    event.detail.headers['x-csrf-token'] = token()
  })

  document.addEventListener('htmx:afterSwap', (event) => {
    const target = event.detail.elt
    if (!(target instanceof HTMLElement)) return
    const card = target.closest('.card') ?? (target.classList.contains('card') ? target : null)
    const heading = card?.querySelector('h2, h3')
    if (heading && event.detail.requestConfig?.verb === 'post') {
      heading.setAttribute('tabindex', '-1')
      heading.focus()
    }
  })

  // The rule's annotated copy opens at its first issue, next to the field.
  const firstBad = document.querySelector('ol.code li.bad')
  if (firstBad) firstBad.parentElement.scrollTop = firstBad.offsetTop - 60

  // Rows and cards that arrive over the live stream are marked for a few seconds.
  document.addEventListener('htmx:sseMessage', () => {
    for (const el of document.querySelectorAll('.fresh')) {
      setTimeout(() => el.classList.remove('fresh'), 6000)
    }
  })
})()
