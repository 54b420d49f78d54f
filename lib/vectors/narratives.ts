import { SeededRandom } from './random';

/** Metadata of one narrative item (the columns of ITEM_METADATA). */
export interface NarrativeMetadata {
  category: string;
  region: string;
  channel: string;
  sentiment: 'positive' | 'neutral' | 'negative';
  rating: number;
  /** YYYY-MM-DD */
  created_at: string;
}

export interface Narrative {
  id: string;
  text: string;
  metadata: NarrativeMetadata;
}

interface CategoryWords {
  products: readonly string[];
  praise: readonly string[];
  complaints: readonly string[];
  uses: readonly string[];
}

/** Product families with their own vocabulary, so semantic search has something to find. */
const CATEGORIES: Readonly<Record<string, CategoryWords>> = {
  footwear: {
    products: [
      'a pair of running shoes',
      'a pair of hiking boots',
      'a pair of leather sandals',
      'a pair of trail sneakers',
      'a pair of winter boots',
      'a pair of dress shoes',
    ],
    praise: [
      'they fit perfectly and felt comfortable from the first day',
      'the soles grip well on wet paths',
      'the cushioning made long walks easy on the feet',
    ],
    complaints: [
      'the shoes were too narrow and gave them blisters',
      'the sole came loose after two weeks',
      'water leaked in on the first rainy walk',
    ],
    uses: ['a marathon training plan', 'weekend hikes in the mountains', 'walking to work every day'],
  },
  outerwear: {
    products: ['a waterproof jacket', 'a wool coat', 'a down parka', 'a rain poncho', 'a fleece vest', 'a ski jacket'],
    praise: [
      'it kept them warm and dry in heavy rain',
      'it is light yet very warm',
      'the zippers and pockets are well made',
    ],
    complaints: [
      'the rain soaked straight through it',
      'the seams tore after a few washes',
      'it was much smaller than the size chart said',
    ],
    uses: ['cold winter mornings', 'a rainy trip to the coast', 'skiing holidays'],
  },
  electronics: {
    products: [
      'a pair of wireless headphones',
      'a laptop',
      'a smartphone charger',
      'a bluetooth speaker',
      'a tablet',
      'a smart watch',
    ],
    praise: ['the battery lasts for days', 'the sound quality is clear and loud', 'setup took only a few minutes'],
    complaints: [
      'the battery died after an hour',
      'the device would not connect to the phone',
      'the screen cracked within a week',
    ],
    uses: ['video calls from home', 'listening to music on the train', 'tracking runs and sleep'],
  },
  kitchen: {
    products: ['a coffee machine', 'a frying pan', 'a chef knife', 'a blender', 'a toaster', 'an electric kettle'],
    praise: [
      'it works perfectly every morning',
      'it is easy to clean after cooking',
      'it feels solid and well made in the hand',
    ],
    complaints: [
      'it leaked water all over the counter',
      'the coating peeled off after a month',
      'the motor burned out after a week',
    ],
    uses: ['cooking dinner for the family', 'making breakfast before work', 'baking on weekends'],
  },
  furniture: {
    products: ['an office chair', 'a sofa', 'a dining table', 'a bookshelf', 'a bed frame', 'a desk'],
    praise: [
      'assembly was simple and the wood feels solid',
      'it is comfortable for long working days',
      'it looks beautiful in the living room',
    ],
    complaints: [
      'screws were missing from the box',
      'it wobbles even on a flat floor',
      'the fabric tore after a month',
    ],
    uses: ['a new home office', 'furnishing a small apartment', 'the children bedroom'],
  },
  toys: {
    products: [
      'a building blocks set',
      'a board game',
      'a teddy bear',
      'a remote control car',
      'a jigsaw puzzle',
      'a doll house',
    ],
    praise: [
      'the kids played with it for hours',
      'the pieces are sturdy and safe',
      'it made a wonderful birthday gift',
    ],
    complaints: [
      'pieces broke on the first day',
      'the batteries were not included',
      'the box arrived damaged and parts were missing',
    ],
    uses: ['a birthday party', 'rainy afternoons with the children', 'family game nights'],
  },
  beauty: {
    products: ['a face cream', 'a bottle of shampoo', 'a perfume', 'a lipstick', 'a tube of sunscreen', 'a hair dryer'],
    praise: [
      'the skin feels soft and smooth',
      'the scent is lovely and lasts all day',
      'the hair looks healthy and shiny',
    ],
    complaints: ['it caused a rash on the skin', 'the bottle leaked in the package', 'the effect faded within an hour'],
    uses: ['a daily skin care routine', 'a summer beach holiday', 'getting ready for a wedding'],
  },
  groceries: {
    products: [
      'a bag of organic coffee beans',
      'a bottle of olive oil',
      'a loaf of fresh bread',
      'a tea selection box',
      'a bar of dark chocolate',
      'a box of pasta',
    ],
    praise: [
      'everything arrived fresh and tasty',
      'the flavour is rich and natural',
      'the quality is excellent for the price',
    ],
    complaints: [
      'the food was stale on arrival',
      'the package was past its expiry date',
      'the bag was torn and half of it spilled',
    ],
    uses: ['weekly family meals', 'a dinner party with friends', 'morning coffee at the office'],
  },
};

const REGIONS: Readonly<Record<string, readonly string[]>> = {
  EU: ['Berlin', 'Paris', 'Madrid', 'Rome', 'Amsterdam', 'Vienna'],
  UK: ['London', 'Manchester', 'Edinburgh', 'Bristol'],
  US: ['Boston', 'Chicago', 'Denver', 'Seattle', 'Austin'],
  APAC: ['Sydney', 'Tokyo', 'Singapore', 'Auckland'],
  LATAM: ['Santiago', 'Lima', 'Bogota', 'Mexico City'],
};

const CHANNELS: Readonly<Record<string, string>> = {
  online: 'from the online shop',
  store: 'in a store',
  marketplace: 'through a marketplace seller',
  phone: 'by phone order',
};

const PEOPLE = [
  'A customer',
  'A teacher',
  'A nurse',
  'A student',
  'A retired engineer',
  'A young family',
  'A runner',
  'A chef',
  'A designer',
  'A small business owner',
];

const DELIVERY_GOOD = [
  'Delivery was fast',
  'The parcel arrived a day early',
  'Shipping was quick and the packaging was neat',
];
const DELIVERY_BAD = [
  'Delivery was three days late',
  'The parcel went to the wrong address first',
  'The courier left the box in the rain',
];
const SUPPORT_GOOD = [
  'Customer service replaced it without questions',
  'The support team refunded the order quickly',
  'The store offered an exchange the same day',
];
const SUPPORT_BAD = [
  'Nobody answered the support emails',
  'The refund took more than a month',
  'The return form was confusing',
];

const CATEGORY_NAMES = Object.keys(CATEGORIES);
const REGION_NAMES = Object.keys(REGIONS);
const CHANNEL_NAMES = Object.keys(CHANNELS);
const START_DAY = Date.UTC(2024, 0, 1);
const DAYS = 730;

export const NARRATIVE_CATEGORIES: readonly string[] = CATEGORY_NAMES;
export const NARRATIVE_REGIONS: readonly string[] = REGION_NAMES;

function sentimentOf(rating: number): NarrativeMetadata['sentiment'] {
  return rating >= 4 ? 'positive' : rating === 3 ? 'neutral' : 'negative';
}

/** One customer story; the same (seed, index) always gives the same story. */
function narrative(rng: SeededRandom, index: number): Narrative {
  const category = rng.pick(CATEGORY_NAMES);
  const words = CATEGORIES[category] as CategoryWords;
  const region = rng.pick(REGION_NAMES);
  const city = rng.pick(REGIONS[region] as readonly string[]);
  const channel = rng.pick(CHANNEL_NAMES);
  // Skewed towards good ratings, as real reviews are.
  const rating = rng.pick([1, 2, 3, 4, 4, 5, 5, 5]);
  const sentiment = sentimentOf(rating);
  const product = rng.pick(words.products);
  const parts = [`${rng.pick(PEOPLE)} in ${city} bought ${product} ${CHANNELS[channel]} for ${rng.pick(words.uses)}.`];
  if (sentiment === 'positive') {
    parts.push(`${capitalise(rng.pick(words.praise))}.`);
    if (rng.chance(0.5)) parts.push(`${rng.pick(DELIVERY_GOOD)}.`);
  } else if (sentiment === 'negative') {
    parts.push(`Unfortunately ${rng.pick(words.complaints)}.`);
    parts.push(`${rng.chance(0.5) ? rng.pick(SUPPORT_GOOD) : rng.pick(SUPPORT_BAD)}.`);
    if (rng.chance(0.4)) parts.push(`${rng.pick(DELIVERY_BAD)}.`);
  } else {
    parts.push(`${capitalise(rng.pick(words.praise))}, but ${rng.pick(words.complaints)}.`);
  }
  parts.push(`Rated ${rating} out of 5.`);
  const day = new Date(START_DAY + rng.int(0, DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  return {
    id: `item-${String(index).padStart(6, '0')}`,
    text: parts.join(' '),
    metadata: { category, region, channel, sentiment, rating, created_at: day },
  };
}

/** `count` reproducible customer stories (retail reviews) with filterable metadata. */
export function generateNarratives(count: number, seed = 42): Narrative[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${String(count)}.`);
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => narrative(rng, i));
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
