import { declareSourceConfig, httpUrl, nonEmpty, setting } from '../../setting.ts';

export interface SquareSettings {
  accessToken: string;
  apiUrl?: string;
}

export default declareSourceConfig({
  name: 'square',
  settings: [
    setting('square', 'SQUARE_ACCESS_TOKEN', 'Square production access token.', nonEmpty, { secret: true }),
    setting('square', 'SQUARE_API_URL', 'Override of the Square API origin (the sandbox sets it).', httpUrl),
  ],
  required: ['SQUARE_ACCESS_TOKEN'],
  build: (get): SquareSettings => {
    const apiUrl = get('SQUARE_API_URL');
    return { accessToken: get('SQUARE_ACCESS_TOKEN')!, ...(apiUrl ? { apiUrl } : {}) };
  },
});
