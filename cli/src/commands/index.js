import apply from './apply.js';
import artifacts from './artifacts.js';
import { login, logout, whoami } from './auth.js';
import datasets from './datasets.js';
import environments from './environments.js';
import failures from './failures.js';
import features from './features.js';
import grids from './grids.js';
import init from './init.js';
import notifications from './notifications.js';
import organizations from './organizations.js';
import { passwd } from './passwd.js';
import projects from './projects.js';
import quarantine from './quarantine.js';
import rerun from './rerun.js';
import runs from './runs.js';
import schedules from './schedules.js';
import suites from './suites.js';
import tests from './tests.js';
import tokens from './tokens.js';

/** @typedef {import('../types.js').Command} Command */

/** Every `qatron` command, in the order `qatron --help` lists them. */
/** @type {Command[]} */
export const commands = [login, logout, whoami, passwd, init, apply, ...runs, rerun, failures, ...artifacts, ...projects, ...environments, ...suites, ...schedules, ...datasets, ...features, ...quarantine, ...notifications, tests, ...grids, ...tokens, ...organizations];
