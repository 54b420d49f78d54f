/** Fixed vocabularies of the retail domain. Shares are rough but realistic shapes, not real statistics. */

export interface CountryInfo {
  code: string;
  /** Share of customers and traffic. */
  share: number;
  /** Time zones with their share inside the country. */
  zones: ReadonlyArray<readonly [zone: string, share: number]>;
}

export const COUNTRIES: ReadonlyArray<CountryInfo> = [
  {
    code: 'US',
    share: 0.36,
    zones: [
      ['America/New_York', 0.47],
      ['America/Chicago', 0.29],
      ['America/Denver', 0.07],
      ['America/Los_Angeles', 0.17],
    ],
  },
  { code: 'GB', share: 0.1, zones: [['Europe/London', 1]] },
  { code: 'DE', share: 0.1, zones: [['Europe/Berlin', 1]] },
  { code: 'FR', share: 0.07, zones: [['Europe/Paris', 1]] },
  {
    code: 'CA',
    share: 0.05,
    zones: [
      ['America/Toronto', 0.7],
      ['America/Vancouver', 0.3],
    ],
  },
  { code: 'NL', share: 0.04, zones: [['Europe/Amsterdam', 1]] },
  { code: 'ES', share: 0.04, zones: [['Europe/Madrid', 1]] },
  { code: 'IT', share: 0.035, zones: [['Europe/Rome', 1]] },
  {
    code: 'AU',
    share: 0.035,
    zones: [
      ['Australia/Sydney', 0.75],
      ['Australia/Perth', 0.25],
    ],
  },
  { code: 'JP', share: 0.035, zones: [['Asia/Tokyo', 1]] },
  { code: 'BR', share: 0.03, zones: [['America/Sao_Paulo', 1]] },
  { code: 'IN', share: 0.03, zones: [['Asia/Kolkata', 1]] },
  { code: 'MX', share: 0.025, zones: [['America/Mexico_City', 1]] },
  { code: 'SE', share: 0.02, zones: [['Europe/Stockholm', 1]] },
  { code: 'PL', share: 0.02, zones: [['Europe/Warsaw', 1]] },
  { code: 'SG', share: 0.01, zones: [['Asia/Singapore', 1]] },
  { code: 'ZA', share: 0.01, zones: [['Africa/Johannesburg', 1]] },
  { code: 'NZ', share: 0.005, zones: [['Pacific/Auckland', 1]] },
];

/** Every time zone, in a fixed order (index = zone id inside the generator). */
export const TIME_ZONES: ReadonlyArray<string> = COUNTRIES.flatMap((c) => c.zones.map(([z]) => z));

export const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Amelia',
  'Oliver',
  'Ava',
  'Elijah',
  'Sophia',
  'Lucas',
  'Mia',
  'Mateo',
  'Isabella',
  'Leo',
  'Charlotte',
  'Hugo',
  'Lea',
  'Finn',
  'Hannah',
  'Jonas',
  'Chloe',
  'Louis',
  'Sofia',
  'Marco',
  'Giulia',
  'Yuki',
  'Haruto',
  'Aarav',
  'Priya',
  'Ana',
  'Gabriel',
  'Maja',
  'Jan',
  'Zoe',
  'Ethan',
  'Nora',
  'Omar',
  'Aisha',
  'Wei',
  'Mei',
] as const;

export const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Martin',
  'Bernard',
  'Muller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Rossi',
  'Russo',
  'Ferrari',
  'Sato',
  'Suzuki',
  'Takahashi',
  'Kumar',
  'Sharma',
  'Silva',
  'Santos',
  'Kowalski',
  'Nowak',
  'Andersson',
  'Johansson',
  'de Vries',
  'Jansen',
  "O'Brien",
  'Murphy',
  'Taylor',
  'Wilson',
  'Lopez',
  'Gonzalez',
  'Nguyen',
  'Chen',
  'Wang',
  'Dubois',
] as const;

export const EMAIL_DOMAINS = [
  ['gmail.com', 0.45],
  ['outlook.com', 0.15],
  ['yahoo.com', 0.12],
  ['icloud.com', 0.1],
  ['proton.me', 0.03],
  ['web.de', 0.05],
  ['orange.fr', 0.04],
  ['example.org', 0.06],
] as const;

export const LOYALTY_TIERS = [
  ['bronze', 0.62],
  ['silver', 0.25],
  ['gold', 0.1],
  ['platinum', 0.03],
] as const;

export const ACQUISITION_CHANNELS = [
  ['organic_search', 0.34],
  ['paid_search', 0.2],
  ['social', 0.16],
  ['email', 0.08],
  ['referral', 0.1],
  ['direct', 0.12],
] as const;

export interface CategoryInfo {
  name: string;
  /** Share of the catalogue. */
  share: number;
  /** Median list price in USD; prices are log-normal around it. */
  medianPrice: number;
  nouns: ReadonlyArray<string>;
  brands: ReadonlyArray<string>;
}

export const CATEGORIES: ReadonlyArray<CategoryInfo> = [
  {
    name: 'Electronics',
    share: 0.14,
    medianPrice: 119,
    nouns: ['Headphones', 'Speaker', 'Charger', 'Keyboard', 'Mouse', 'Monitor', 'Webcam', 'Power Bank'],
    brands: ['Voltix', 'Sonora', 'Pixelon', 'Arcwave'],
  },
  {
    name: 'Home & Kitchen',
    share: 0.18,
    medianPrice: 34,
    nouns: ['Mug', 'Pan', 'Knife Set', 'Cutting Board', 'Kettle', 'Lamp', 'Blanket', 'Vase'],
    brands: ['Hearthly', 'Casa Nova', 'Oakridge'],
  },
  {
    name: 'Clothing',
    share: 0.2,
    medianPrice: 39,
    nouns: ['T-Shirt', 'Hoodie', 'Jeans', 'Jacket', 'Dress', 'Scarf', 'Socks', 'Sneakers'],
    brands: ['Northline', 'Urbane', 'Tidewear', 'Kōen'],
  },
  {
    name: 'Beauty',
    share: 0.1,
    medianPrice: 22,
    nouns: ['Serum', 'Moisturizer', 'Lip Balm', 'Shampoo', 'Perfume', 'Face Mask'],
    brands: ['Lumière', 'Pure Botanic', 'Velvetine'],
  },
  {
    name: 'Sports & Outdoors',
    share: 0.1,
    medianPrice: 54,
    nouns: ['Yoga Mat', 'Water Bottle', 'Tent', 'Backpack', 'Dumbbells', 'Bike Light'],
    brands: ['Summit', 'Trailhead', 'Kinetic'],
  },
  {
    name: 'Books',
    share: 0.12,
    medianPrice: 16,
    nouns: ['Novel', 'Cookbook', 'Atlas', 'Guide', 'Notebook', 'Comic'],
    brands: ['Inkwell Press', 'Paper Lantern'],
  },
  {
    name: 'Toys & Games',
    share: 0.08,
    medianPrice: 29,
    nouns: ['Puzzle', 'Board Game', 'Building Set', 'Plush Bear', 'Card Game'],
    brands: ['Playforge', 'Tinytown'],
  },
  {
    name: 'Grocery',
    share: 0.08,
    medianPrice: 9,
    nouns: ['Coffee Beans', 'Green Tea', 'Olive Oil', 'Dark Chocolate', 'Granola', 'Honey'],
    brands: ['Field & Co', 'Verdant'],
  },
];

export const ADJECTIVES = [
  'Classic',
  'Premium',
  'Eco',
  'Compact',
  'Deluxe',
  'Everyday',
  'Pro',
  'Vintage',
  'Smart',
  'Ultra',
  'Organic',
  'Travel',
] as const;

export const COLORS = ['Black', 'White', 'Navy', 'Sage', 'Sand', 'Red', 'Grey', 'Teal'] as const;

export const DEVICES = [
  ['mobile', 0.58],
  ['desktop', 0.34],
  ['tablet', 0.08],
] as const;

/** Traffic sources; `null` is direct traffic (no referrer). */
export const REFERRERS = [
  [null, 0.3],
  ['google', 0.34],
  ['bing', 0.04],
  ['facebook', 0.08],
  ['instagram', 0.07],
  ['newsletter', 0.09],
  ['affiliate', 0.05],
  ['tiktok', 0.03],
] as const;

export const PAYMENT_METHODS = [
  ['card', 0.62],
  ['paypal', 0.2],
  ['apple_pay', 0.1],
  ['klarna', 0.05],
  ['gift_card', 0.03],
] as const;

export const COUPONS = ['WELCOME10', 'SPRING15', 'SUMMER20', 'BF25', 'CYBER30', 'VIP15', 'FREESHIP'] as const;

export const SEARCH_TERMS = [
  'gift',
  'sale',
  'black',
  'wireless',
  'organic',
  'kids',
  'running',
  'coffee',
  'lamp',
  'hoodie',
  'puzzle',
  'serum',
] as const;
