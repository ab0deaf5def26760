/**
 * The gym's Instagram account: 3-5 posts a week with small real PNG images. Likes, comments, reach
 * and saves approach their final values as a post ages, so the same post shows more engagement at a
 * later clock.
 */
import type { ImageTruth, InstagramImage, InstagramInsights, InstagramMedia } from '../dataset.ts';
import { encodePng } from './png.ts';
import { Rng } from './prng.ts';
import { DAY_MS, type GymClock, HOUR_MS, instagramTime } from './time.ts';

interface Activity {
  activity: string;
  themes: string[];
  wall: [number, number, number];
  captions: string[];
  description: string;
}

const ACTIVITIES: readonly Activity[] = [
  {
    activity: 'bouldering',
    themes: ['climbing', 'route setting'],
    wall: [214, 204, 190],
    captions: [
      'Fresh set in the cave 🔥 Who is sending the pink V5 first?',
      'New problems just dropped on the slab wall. Come try them this week!',
      'Route setting day: the overhang got a full reset.',
    ],
    description: 'A bouldering wall with brightly coloured holds set on a light textured panel.',
  },
  {
    activity: 'training',
    themes: ['fitness', 'strength'],
    wall: [60, 60, 66],
    captions: [
      'HYROX class crushed it tonight 💪 Mondays & Wednesdays at 6pm.',
      'Strength Training Workout this Thursday at 6:30am. Bring a friend!',
      'The fitness floor has new racks and a rower. Come train with us.',
    ],
    description: 'The fitness floor with racks, kettlebells and a rower under warm lights.',
  },
  {
    activity: 'yoga',
    themes: ['yoga', 'wellness'],
    wall: [170, 200, 180],
    captions: [
      'Yoga for Climbers every Saturday at 9am. Stretch those forearms 🧘',
      'Mobility matters. Join us for yoga this weekend.',
    ],
    description: 'A calm yoga session on mats in a bright room next to the climbing walls.',
  },
  {
    activity: 'community event',
    themes: ['community', 'event'],
    wall: [230, 120, 60],
    captions: [
      'Community Night this Friday! Free climbing for first responders, join us 🎉',
      'Thanks to everyone who came out last night. What a crew!',
      'Ladies Night is back next Thursday night. Join us!',
    ],
    description: 'A crowd of climbers gathered in the gym during a community night with string lights.',
  },
  {
    activity: 'competition',
    themes: ['competition', 'community'],
    wall: [40, 90, 200],
    captions: [
      'Boulder Bash comp registration is open! Join us for the next comp 🏆',
      'Comp day recap: so many sends, so much chalk.',
    ],
    description: 'Competitors and spectators around a competition boulder with numbered problems.',
  },
  {
    activity: 'youth climbing',
    themes: ['youth', 'climbing', 'team'],
    wall: [250, 200, 40],
    captions: [
      'Youth Rec Team practice today. These kids are strong!',
      'Summer Camp registration is open for ages 6-13. Spots fill fast!',
      'Birthday party season 🎂 Book a 2 hour party for your climber.',
    ],
    description: 'Young climbers in harnesses on a colourful youth wall with a coach nearby.',
  },
];

export interface PostFact {
  id: string;
  at: number;
  caption: string;
  mediaType: InstagramMedia['media_type'];
  activity: Activity;
  likes: number;
  comments: number;
  reach: number;
  saved: number;
  shortcode: string;
}

export function buildPosts(rng: Rng, clock: GymClock, fromMs: number, toMs: number): PostFact[] {
  const posts: PostFact[] = [];
  let n = 0;
  for (let day = clock.localDay(fromMs); day <= clock.localDay(toMs); day++) {
    const count = rng.poisson(0.6);
    const times = Array.from({ length: count }, () =>
      clock.atLocalDay(day, rng.int(8, 20), rng.int(0, 59), rng.int(0, 59)),
    );
    for (const at of times.sort((a, b) => a - b)) {
      if (at < fromMs || at > toMs) continue;
      const activity = rng.pick(ACTIVITIES);
      const likes = Math.max(3, Math.round(Math.exp(rng.normal(3.9, 0.55))));
      posts.push({
        id: `179${String(10_000_000_000_000 + n * 7_919 + rng.int(0, 7_000))}`,
        at,
        caption: `${rng.pick(activity.captions)} #basinclimbing #wacotx #climbing`,
        mediaType: rng.weighted<InstagramMedia['media_type']>([
          ['IMAGE', 60],
          ['CAROUSEL_ALBUM', 25],
          ['VIDEO', 15],
        ]),
        activity,
        likes,
        comments: Math.max(0, Math.round(likes / rng.uniform(8, 25))),
        reach: Math.round(likes * rng.uniform(9, 16)),
        saved: Math.round(likes * rng.uniform(0.03, 0.15)),
        shortcode: rng.base62(11),
      });
      n++;
    }
  }
  return posts;
}

/** Share of a post's final engagement reached at an age (fast at first, then levelling off). */
function grown(age: number): number {
  if (age <= 0) return 0;
  return 1 - Math.exp(-age / (30 * HOUR_MS));
}

export function renderMedia(post: PostFact, clockMs: number): InstagramMedia {
  const g = grown(clockMs - post.at);
  return {
    id: post.id,
    caption: post.caption,
    media_type: post.mediaType,
    media_path: `/media/${post.id}.png`,
    permalink: `https://www.instagram.com/p/${post.shortcode}/`,
    timestamp: instagramTime(post.at),
    like_count: Math.round(post.likes * g),
    comments_count: Math.round(post.comments * g),
  };
}

export function renderInsights(post: PostFact, clockMs: number): InstagramInsights {
  const g = grown(clockMs - post.at);
  return { reach: Math.round(post.reach * g), saved: Math.round(post.saved * g) };
}

export function followersAt(startMs: number, clockMs: number): number {
  return 850 + Math.max(0, Math.round(((clockMs - startMs) / DAY_MS) * 3.2));
}

export function imageTruth(post: PostFact): ImageTruth {
  return {
    media_id: post.id,
    description: post.activity.description,
    activity_type: post.activity.activity,
    themes: post.activity.themes,
  };
}

const HOLD_COLOURS: readonly [number, number, number][] = [
  [230, 40, 60],
  [40, 160, 70],
  [30, 90, 220],
  [250, 210, 30],
  [240, 120, 200],
  [20, 20, 20],
  [255, 140, 0],
];

/** A 32×32 picture: the activity's wall colour with a scatter of coloured holds. */
export function renderImage(post: PostFact, seed: number): InstagramImage {
  const rng = new Rng(`${seed}/instagram-image/${post.id}`);
  const size = 32;
  const rgb = new Uint8Array(size * size * 3);
  const [r, g, b] = post.activity.wall;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const shade = 1 - y / (size * 4) + (rng.next() - 0.5) * 0.06;
      const i = (y * size + x) * 3;
      rgb[i] = Math.min(255, Math.round(r * shade));
      rgb[i + 1] = Math.min(255, Math.round(g * shade));
      rgb[i + 2] = Math.min(255, Math.round(b * shade));
    }
  }
  const holds = rng.int(6, 14);
  for (let h = 0; h < holds; h++) {
    const [hr, hg, hb] = rng.pick(HOLD_COLOURS);
    const cx = rng.int(2, size - 3);
    const cy = rng.int(2, size - 3);
    const radius = rng.int(1, 2);
    for (let y = cy - radius; y <= cy + radius; y++) {
      for (let x = cx - radius; x <= cx + radius; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > radius * radius + 1) continue;
        const i = (y * size + x) * 3;
        rgb[i] = hr;
        rgb[i + 1] = hg;
        rgb[i + 2] = hb;
      }
    }
  }
  return { contentType: 'image/png', bytes: encodePng(size, size, rgb) };
}
