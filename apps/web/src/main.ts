import { mount } from 'svelte';
import App from './App.svelte';
import { installPageDropGuard } from './lib/page-drop-guard';
import './app.css';

installPageDropGuard(window);
mount(App, { target: document.getElementById('app')! });
