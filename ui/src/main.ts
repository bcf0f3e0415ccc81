import './lib/startup'
import { mount } from 'svelte'
import './app.css'
import App from './App.svelte'
import { DEFAULT_LANGUAGE, setLocale } from './lib/i18n/i18n.svelte'
import { markDesktopOs } from './lib/platform'

markDesktopOs()

// Until the stored choice is read, the page is in the default language.
setLocale(DEFAULT_LANGUAGE)

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')

export default mount(App, { target })
