// Seeded camera-trap batches for the wildlife survey: `generate({ index, count })` → one batch of
// 4–6 sightings. Math.random is the kernel's generator seeded by the task index.
//
// Each species lists, per feature, every value a sighting of it can show. A description shows only
// some features (the rest are out of frame, blurred or not recorded). Its label is the one species
// consistent with every feature shown, or "unknown" when more than one species fits: the same rule
// the field guide in the instructions states, so a careful reader can label every sighting exactly.

export const FEATURES = ['time', 'size', 'look', 'behaviour', 'tracks', 'habitat'];

export const SPECIES = {
  leopard: {
    time: ['night', 'dusk', 'dawn'],
    size: ['medium-sized'],
    look: ['a golden coat with dark rosettes', 'a spotted coat'],
    behaviour: ['hauling a carcass up into a tree', 'resting alone on a branch', 'feeding on a carcass'],
    tracks: ['round prints without claw marks, about 9 cm wide', 'round prints without claw marks'],
    habitat: ['riverine woodland', 'a rocky outcrop', 'thick bush'],
  },
  cheetah: {
    time: ['day', 'dawn'],
    size: ['medium-sized'],
    look: [
      'a slender build and small solid black spots',
      'black tear-lines running from the eyes',
      'a spotted coat',
    ],
    behaviour: [
      'sprinting after a gazelle',
      'scanning the plain from a termite mound',
      'feeding on a carcass',
    ],
    tracks: ['narrow prints with claw marks', 'prints with claw marks'],
    habitat: ['open grassland'],
  },
  hyena: {
    time: ['night', 'dusk', 'dawn'],
    size: ['medium-sized'],
    look: [
      'a sandy-grey coat with irregular dark blotches',
      'a sloping back and rounded ears',
      'a spotted coat',
    ],
    behaviour: [
      'whooping and squabbling with others at a carcass',
      'entering a burrow den',
      'feeding on a carcass',
    ],
    tracks: ['four-toed prints with claw marks, front feet larger than hind', 'prints with claw marks'],
    habitat: ['open grassland', 'thick bush', 'a waterhole edge'],
  },
  elephant: {
    time: ['night', 'dawn', 'day', 'dusk'],
    size: ['very large'],
    look: ['wrinkled grey skin with no hair', 'a long trunk and tusks', 'a dark grey body'],
    behaviour: ['stripping bark from a tree', 'spraying dust over itself', 'drinking at the water'],
    tracks: ['huge round footprints wider than a dinner plate'],
    habitat: ['riverine woodland', 'a waterhole edge', 'thick bush', 'open grassland'],
  },
  zebra: {
    time: ['day', 'dawn', 'dusk'],
    size: ['large'],
    look: ['bold black-and-white stripes all over', 'dark stripes on the flanks'],
    behaviour: ['grazing in a herd', 'giving a barking, braying call', 'drinking at the water'],
    tracks: ['single rounded hoof prints', 'hoof prints'],
    habitat: ['open grassland', 'a waterhole edge'],
  },
  wildebeest: {
    time: ['day', 'dawn'],
    size: ['large'],
    look: ['a shaggy black beard and curved horns', 'dark stripes on the flanks', 'a dark grey body'],
    behaviour: [
      'moving in a long migrating column',
      'grunting and tossing its head',
      'grazing in a herd',
      'drinking at the water',
    ],
    tracks: ['split, cloven hoof prints', 'hoof prints'],
    habitat: ['open grassland', 'a waterhole edge'],
  },
  lion: {
    time: ['night', 'dusk', 'dawn', 'day'],
    size: ['large'],
    look: ['a plain tawny coat', 'a dark shaggy mane'],
    behaviour: [
      'resting with a group in the shade',
      'roaring',
      'feeding on a carcass',
      'drinking at the water',
    ],
    tracks: ['round prints without claw marks, about 12 cm wide', 'round prints without claw marks'],
    habitat: ['open grassland', 'thick bush', 'a waterhole edge'],
  },
  pangolin: {
    time: ['night'],
    size: ['small'],
    look: ['overlapping brown scales'],
    behaviour: ['digging into an ant nest', 'curling into a ball when disturbed'],
    tracks: ['small prints beside a dragged-tail line'],
    habitat: ['thick bush', 'riverine woodland'],
  },
};

export const NAMES = Object.keys(SPECIES);

/** The species consistent with every feature shown. */
export function consistent(features) {
  return NAMES.filter((s) => Object.entries(features).every(([f, v]) => SPECIES[s][f].includes(v)));
}

/** A sighting's label: the one species that fits, or "unknown". */
export function label(features) {
  const fits = consistent(features);
  return fits.length === 1 ? fits[0] : 'unknown';
}

/** The description an observer reads: only the features shown, in a fixed order. */
export function describe(camera, f) {
  const when = f.time === undefined ? 'time not recorded' : f.time;
  const who = f.size === undefined ? 'an animal' : `a ${f.size} animal`;
  let text = `Camera ${camera} (${when}): ${who}${f.look === undefined ? '' : ` with ${f.look}`}.`;
  if (f.behaviour !== undefined) text += ` It was ${f.behaviour}.`;
  if (f.tracks !== undefined) text += ` Tracks: ${f.tracks}.`;
  if (f.habitat !== undefined) text += ` Habitat: ${f.habitat}.`;
  return text;
}

export function fieldGuide() {
  return NAMES.map((s) => {
    const e = SPECIES[s];
    return `- ${s}: ${FEATURES.map((f) => `${f}: ${e[f].join(' | ')}`).join('; ')}`;
  }).join('\n');
}

const rnd = (n) => Math.floor(Math.random() * n);
const pick = (xs) => xs[rnd(xs.length)];

function shuffled(xs) {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function sighting() {
  const animal = pick(NAMES);
  const all = {};
  for (const f of FEATURES) all[f] = pick(SPECIES[animal][f]);
  // Most images are good: features come into view until one species fits. Some are poor: two or
  // three features, whatever they show.
  const order = shuffled(FEATURES);
  const poor = rnd(4) === 0;
  const shown = {};
  let k = 0;
  for (; k < 2; k++) shown[order[k]] = all[order[k]];
  if (poor) {
    if (rnd(2) === 0) shown[order[k]] = all[order[k]];
  } else {
    while (k < order.length && consistent(shown).length > 1) {
      shown[order[k]] = all[order[k]];
      k++;
    }
  }
  return { animal, features: shown };
}

export function generate({ index }) {
  const n = 4 + rnd(3);
  const sightings = [];
  const cameras = shuffled(['A1', 'A2', 'B4', 'C3', 'C7', 'D2', 'E5', 'F1', 'G6']);
  for (let i = 0; i < n; i++) {
    const { animal, features } = sighting();
    const camera = cameras[i];
    sightings.push({
      camera,
      description: describe(camera, features),
      species: label(features),
      animal,
      features,
    });
  }
  const batch = 500 + index;
  // 1/n rounded down to a micro-unit, so n correct labels never sum to more than 1.
  const unit = Math.floor(1_000_000 / n) / 1_000_000;
  return {
    id: `batch-${batch}`,
    instructions:
      `Zoo Gym conservation survey, batch ${batch}: label ${n} camera-trap sightings, one at a time. ` +
      'For each, call classify with the one species whose field-guide entry allows every feature the description shows ' +
      '(features it does not mention could be anything). If more than one species fits, classify it as "unknown". ' +
      'You may skip a sighting at a small cost; a wrong label costs more. After the last sighting, call submit_report. ' +
      `Scoring: +1/${n} per correct label, -1/${2 * n} per wrong one, -1/${10 * n} per skip, and +0.5 if at least 80% are correct when you submit.\n\n` +
      `Field guide (values separated by |):\n${fieldGuide()}`,
    context: { total: n, unit, current: sightings[0].description },
    data: { sightings },
  };
}
