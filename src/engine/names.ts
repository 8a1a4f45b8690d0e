// Container ids (64 hex) and docker-like random names (adjective_surname).
import { randomBytes, randomInt } from 'node:crypto';
import { invalidArgument } from '../errors.js';

const ADJECTIVES = [
  'admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'beautiful', 'blissful', 'bold',
  'boring', 'brave', 'busy', 'charming', 'clever', 'compassionate', 'competent', 'condescending', 'confident', 'cool',
  'cranky', 'crazy', 'dazzling', 'determined', 'distracted', 'dreamy', 'eager', 'ecstatic', 'elastic', 'elated',
  'elegant', 'eloquent', 'epic', 'exciting', 'fervent', 'festive', 'flamboyant', 'focused', 'friendly', 'frosty',
  'funny', 'gallant', 'gifted', 'goofy', 'gracious', 'great', 'happy', 'hardcore', 'heuristic', 'hopeful',
  'hungry', 'infallible', 'inspiring', 'intelligent', 'interesting', 'jolly', 'jovial', 'keen', 'kind', 'laughing',
  'loving', 'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty',
  'nostalgic', 'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical',
  'recursing', 'relaxed', 'reverent', 'romantic', 'sad', 'serene', 'sharp', 'silly', 'sleepy', 'stoic',
  'strange', 'stupefied', 'suspicious', 'sweet', 'tender', 'thirsty', 'trusting', 'unruffled', 'upbeat', 'vibrant',
  'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];

const SURNAMES = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'ardinghelli', 'babbage', 'banach', 'bardeen', 'bartik', 'bassi',
  'bell', 'benz', 'bhabha', 'black', 'blackwell', 'bohr', 'booth', 'borg', 'bose', 'brahmagupta',
  'brown', 'buck', 'burnell', 'cannon', 'carson', 'cerf', 'chandrasekhar', 'chaplygin', 'chatterjee', 'clarke',
  'colden', 'cori', 'cray', 'curie', 'darwin', 'davinci', 'dijkstra', 'dubinsky', 'easley', 'edison',
  'einstein', 'elion', 'engelbart', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'franklin',
  'galileo', 'gates', 'goldberg', 'goldstine', 'goodall', 'hamilton', 'hawking', 'heisenberg', 'hermann', 'hertz',
  'hodgkin', 'hofstadter', 'hopper', 'hugle', 'hypatia', 'jackson', 'jang', 'jennings', 'johnson', 'joliot',
  'kalam', 'kepler', 'khorana', 'kilby', 'knuth', 'kowalevski', 'lalande', 'lamarr', 'lamport', 'leakey',
  'lederberg', 'lehmann', 'lewin', 'lovelace', 'lumiere', 'mayer', 'mccarthy', 'mcclintock', 'meitner', 'mendel',
  'merkle', 'mirzakhani', 'montalcini', 'moore', 'morse', 'napier', 'nash', 'newton', 'nobel', 'noether',
  'noyce', 'pascal', 'pasteur', 'payne', 'perlman', 'pike', 'poincare', 'ptolemy', 'raman', 'ritchie',
  'rosalind', 'saha', 'sammet', 'shannon', 'shaw', 'shockley', 'sinoussi', 'snyder', 'stonebraker', 'swanson',
  'tesla', 'thompson', 'torvalds', 'turing', 'varahamihira', 'volhard', 'wescoff', 'wiles', 'williams', 'wilson',
  'wing', 'wozniak', 'wright', 'yalow', 'yonath', 'zhukovsky',
];

export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** docker's namesgenerator: adjective_surname, a digit appended on retries; never boring_wozniak. */
export function randomName(retry = 0): string {
  let name: string;
  do {
    name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
  } while (name === 'boring_wozniak');
  return retry > 0 ? `${name}${randomInt(10)}` : name;
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a user-given name and returns it with docker's leading slash. */
export function normaliseName(name: string): string {
  if (!NAME_RE.test(name)) throw invalidArgument(`invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}
